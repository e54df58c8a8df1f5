import { PatinaClient } from '@patina/sdk';
import { Command } from 'commander';
import { readConfig, writeConfig } from '../config-file.js';
import type { Context } from '../context.js';
import { runOf } from '../context.js';
import { notLoggedIn, usageError } from '../errors.js';
import { promptLine, readStdin } from '../prompt.js';
import { checkBaseUrl, tilde } from '../settings.js';
import { visible } from '../output.js';
import { example } from './help.js';

const DEFAULT_BASE_URL = 'http://127.0.0.1:7070';

export function loginCommand(ctx: Context): Command {
  return new Command('login')
    .description('Log in with a PAT and keep it in a profile')
    .option('--client-id <id>', "the PAT's client id (asked for when absent)")
    .option('--client-secret-stdin', 'read the secret from stdin instead of asking for it')
    .addHelpText(
      'after',
      example(
        'patina login --base-url https://patina.example.com',
        'patina login --profile ci --client-id $ID --client-secret-stdin < secret.txt',
      ) +
        '\nThe secret is checked with the server before it is kept, in\n' +
        '$XDG_CONFIG_HOME/patina/config.yaml (mode 0600).\n',
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const flags = args[0] as { clientId?: string; clientSecretStdin?: boolean };
      const settings = run.settings();
      const profile = settings.profile.value;
      const interactive = Boolean(ctx.stdin.isTTY);

      let baseUrl = settings.baseUrl?.value;
      if (!baseUrl) {
        if (!interactive) throw usageError('No base URL: pass --base-url');
        baseUrl =
          (await promptLine(ctx, `Patina base URL [${DEFAULT_BASE_URL}]: `)) || DEFAULT_BASE_URL;
      }
      checkBaseUrl({ value: baseUrl, source: settings.baseUrl?.source ?? 'the prompt' });

      let clientId = flags.clientId;
      if (!clientId) {
        if (!interactive || flags.clientSecretStdin)
          throw usageError('No client id: pass --client-id');
        clientId = await promptLine(ctx, 'Client id: ');
      }
      let clientSecret: string;
      if (flags.clientSecretStdin) {
        clientSecret = await readStdin(ctx);
      } else {
        if (!interactive) {
          throw usageError('No terminal to ask for the secret on: pass --client-secret-stdin');
        }
        clientSecret = await promptLine(ctx, 'Client secret (not shown): ', { hidden: true });
      }
      if (!clientId || !clientSecret) throw usageError('Both a client id and a secret are needed');

      // Checked before it is kept: a typo should fail here, not in the next command.
      const client = new PatinaClient({ baseUrl, clientId, clientSecret });
      const me = await client.introspect();
      const path = settings.configPath;
      const config = readConfig(path);
      config.profiles[profile] = { baseUrl, clientId, clientSecret };
      config.activeProfile = profile;
      writeConfig(path, config);
      const who = me.active ? me.username : clientId;
      if (run.json) {
        return run.printJson({ profile, baseUrl, clientId, user: who, configFile: path });
      }
      run.say(
        `${run.err.green('✓')} Logged in to ${baseUrl} as ${visible(who)} (profile ${profile}; kept in ${tilde(path, ctx.env)})`,
      );
    });
}

export function logoutCommand(ctx: Context): Command {
  return new Command('logout')
    .description("Forget a profile's credentials (the PAT stays valid)")
    .addHelpText('after', example('patina logout', 'patina logout --profile ci'))
    .action((...args: unknown[]) => {
      const run = runOf(ctx, args);
      const settings = run.settings();
      const profile = settings.profile.value;
      const config = readConfig(settings.configPath);
      if (!config.profiles[profile]) {
        throw notLoggedIn(`Not logged in with profile ${profile}: nothing to forget`);
      }
      delete config.profiles[profile];
      if (config.activeProfile === profile) {
        const next = Object.keys(config.profiles)[0];
        if (next === undefined) delete config.activeProfile;
        else config.activeProfile = next;
      }
      writeConfig(settings.configPath, config);
      if (run.json) return run.printJson({ profile, loggedOut: true });
      run.say(
        `Logged out of profile ${profile}. The PAT still works until it expires or is deleted (patina pat delete).`,
      );
    });
}
