import { Command, Option } from 'commander';
import { auditCommand } from './commands/audit.js';
import { completionCommand } from './commands/completion.js';
import { example } from './commands/help.js';
import { identitiesCommand } from './commands/identities.js';
import { loginCommand, logoutCommand } from './commands/login.js';
import { patCommand, sayCreated } from './commands/pat.js';
import { requestCommand } from './commands/request.js';
import { reviewCommand } from './commands/review.js';
import { scanCommand } from './commands/scan.js';
import { ssfCommand } from './commands/ssf.js';
import { tokenCommand } from './commands/token.js';
import { trustCommand } from './commands/trust.js';
import { webhooksCommand } from './commands/webhooks.js';
import { whoamiCommand } from './commands/whoami.js';
import type { Context } from './context.js';

export const VERSION = '0.1.0';

/** The whole `patina` command tree, writing to the context's streams. */
export function buildProgram(ctx: Context): Command {
  const program = new Command('patina')
    .description('Work with your Patina personal access tokens from the command line')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addOption(new Option('--json', 'machine-readable output (stable JSON on stdout)'))
    .addOption(new Option('--base-url <url>', 'the Patina server (or PATINA_BASE_URL)'))
    .addOption(new Option('--profile <name>', 'the login profile to use (or PATINA_PROFILE)'))
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
      outputError: (text, write) => write(`patina: ${text.replace(/^error: /, '')}`),
    })
    // Usage errors come back as exceptions so the caller picks the exit code (2).
    .exitOverride()
    .showSuggestionAfterError()
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText(
      'after',
      example(
        'patina login --base-url http://127.0.0.1:7070',
        "patina pat create 'CI pipeline' --expires 30d > secret.txt",
        'curl -H "Authorization: Bearer $(patina token)" …',
        'patina scan .',
      ) +
        '\nExit codes: 0 ok, 1 error, 2 usage, 4 not logged in or credentials refused,\n' +
        '8 waiting for approval (nothing made yet; see `patina request`).\n' +
        'Run `patina <command> --help` for a command’s options.\n',
    );

  for (const command of [
    loginCommand(ctx),
    logoutCommand(ctx),
    whoamiCommand(ctx),
    tokenCommand(ctx),
    patCommand(ctx),
    requestCommand(ctx, sayCreated),
    reviewCommand(ctx),
    identitiesCommand(ctx),
    auditCommand(ctx),
    webhooksCommand(ctx),
    trustCommand(ctx),
    ssfCommand(ctx),
    scanCommand(ctx),
    completionCommand(ctx, () => program),
  ]) {
    program.addCommand(inherit(command, program));
  }
  return program;
}

/**
 * addCommand does not copy the parent's settings (commands built apart are added whole), so
 * each command and its subcommands take the program's output, help and exit behaviour here.
 */
function inherit(command: Command, program: Command): Command {
  command.copyInheritedSettings(program);
  for (const sub of command.commands) inherit(sub, command);
  return command;
}
