import { SECRET_PREFIX } from '@patina/contract';
import { Command } from 'commander';
import type { Context } from '../context.js';
import { runOf } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { scan } from '../scan/scanner.js';
import { example } from './help.js';

/** What is printed in place of a secret's random part. */
const REDACTED = `${SECRET_PREFIX}${'*'.repeat(8)}`;

export function scanCommand(ctx: Context): Command {
  return new Command('scan')
    .description('Find leaked Patina secrets in files, offline')
    .argument('[paths...]', 'files and directories to scan', ['.'])
    .addHelpText(
      'after',
      example('patina scan .', 'patina scan src config.yaml --json') +
        '\nOnly strings with the prefix, length and checksum of a real secret are reported;\n' +
        'the secret itself is never printed.\n',
    )
    .action((...args: unknown[]) => {
      const run = runOf(ctx, args);
      const result = scan(args[0] as string[]);
      for (const { file, reason } of result.skipped)
        run.say(run.err.dim(`skipped ${file}: ${reason}`));
      if (run.json) {
        run.printJson({ findings: result.findings, filesScanned: result.filesScanned });
      } else {
        for (const f of result.findings) {
          run.print(`${f.file}:${f.line}:${f.column}: ${run.out.red(REDACTED)} (Patina secret)`);
        }
      }
      const count = result.findings.length;
      const files = new Set(result.findings.map((f) => f.file)).size;
      if (count === 0) {
        run.say(`No Patina secrets found (${result.filesScanned} files scanned).`);
        return;
      }
      run.say(
        `Found ${count} Patina secret${count === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'} ` +
          `(${result.filesScanned} scanned). Delete the PATs they belong to (patina pat delete ID) and remove them.`,
      );
      // Exit 1 without a further message: the findings are the message.
      throw new CliError('', EXIT.error);
    });
}
