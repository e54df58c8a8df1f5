import { SECRET_PREFIX } from '@patina/contract';
import { revokeLeakedCredentials } from '@patina/sdk';
import { Command } from 'commander';
import type { Context, Run } from '../context.js';
import { runOf } from '../context.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { visible } from '../output.js';
import { scan } from '../scan/scanner.js';
import { checkBaseUrl } from '../settings.js';
import { example } from './help.js';

/** What is printed in place of a secret's random part. */
const REDACTED = `${SECRET_PREFIX}${'*'.repeat(8)}`;

export function scanCommand(ctx: Context): Command {
  return new Command('scan')
    .description('Find leaked Patina secrets in files, offline')
    .argument('[paths...]', 'files and directories to scan', ['.'])
    .option(
      '--revoke',
      'send the secrets found to the server, which revokes each live one (no login needed)',
    )
    .addHelpText(
      'after',
      example(
        'patina scan .',
        'patina scan src config.yaml --json',
        'patina scan . --revoke --base-url https://patina.example.com',
      ) +
        '\nOnly strings with the prefix, length and checksum of a real secret are reported;\n' +
        'the secret itself is never printed. With --revoke they go to the server alone, which\n' +
        'does not say which were live.\n',
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const { revoke } = args[1] as { revoke?: boolean };
      // The server is known before the files are read: no secret is found and then left unsent.
      const baseUrl = revoke ? revocationBaseUrl(run) : undefined;
      const result = scan(args[0] as string[]);
      for (const { file, reason } of result.skipped)
        run.say(run.err.dim(`skipped ${visible(file)}: ${visible(reason)}`));
      let sent: number | undefined;
      if (baseUrl !== undefined && result.secrets.length > 0) {
        await revokeLeakedCredentials({ baseUrl }, result.secrets);
        sent = result.secrets.length;
      }
      if (run.json) {
        run.printJson({
          findings: result.findings,
          filesScanned: result.filesScanned,
          ...(baseUrl !== undefined && { sentForRevocation: sent ?? 0 }),
        });
      } else {
        for (const f of result.findings) {
          run.print(
            `${visible(f.file)}:${f.line}:${f.column}: ${run.out.red(REDACTED)} (Patina secret)`,
          );
        }
      }
      const count = result.findings.length;
      const files = new Set(result.findings.map((f) => f.file)).size;
      if (count === 0) {
        run.say(`No Patina secrets found (${result.filesScanned} files scanned).`);
        return;
      }
      const found =
        `Found ${count} Patina secret${count === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'} ` +
        `(${result.filesScanned} scanned).`;
      run.say(
        sent === undefined
          ? `${found} Delete the PATs they belong to (patina pat delete ID) and remove them.`
          : `${found} Sent ${sent} distinct secret${sent === 1 ? '' : 's'} to ${baseUrl} for revocation: ` +
              'each that was live no longer works. Remove them from the files.',
      );
      // Exit 1 without a further message: the findings are the message.
      throw new CliError('', EXIT.error);
    });
}

/** The server --revoke reports to: the base URL of the login or the environment. */
function revocationBaseUrl(run: Run): string {
  const { baseUrl } = run.settings();
  if (!baseUrl) {
    throw usageError('--revoke needs the server: pass --base-url, set PATINA_BASE_URL or log in');
  }
  checkBaseUrl(baseUrl);
  return baseUrl.value;
}
