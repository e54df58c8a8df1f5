import type { Identity, OffboardResponse } from '@patina/sdk';
import { isIdShaped } from '@patina/contract';
import { Command } from 'commander';
import type { Context, Run } from '../context.js';
import { runOf } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { confirm } from '../prompt.js';
import { table, visible, type Colours } from '../output.js';
import { example } from './help.js';

export function identitiesCommand(ctx: Context): Command {
  const identities = new Command('identities')
    .description('List, create, disable and offboard identities (administrators)')
    .addHelpText(
      'after',
      example(
        'patina identities list',
        'patina identities disable <id>',
        'patina identities offboard <id> --dry-run',
      ),
    );

  identities
    .command('list')
    .description('List identities; SOURCE says whether the directory (SCIM) or Patina manages each')
    .addHelpText('after', example('patina identities list', 'patina identities list --json'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const all: Identity[] = [];
      for await (const identity of run.client().identities.iterate()) all.push(identity);
      if (run.json) return run.printJson(all);
      run.print(identityTable(visible(all), run.out, run.width));
    });

  identities
    .command('create')
    .description('Create an identity')
    .argument('<name>', 'display name')
    .option('--login <login>', 'unique login (default: derived from the name)')
    .option('--role <role...>', 'a role (repeat for more; default USER)')
    .option('--right <right...>', 'a right granted directly (repeat for more)')
    .addHelpText(
      'after',
      example("patina identities create 'Grace Hopper' --login grace --role USER"),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const flags = args[1] as { login?: string; role?: string[]; right?: string[] };
      const made = await run.client().identities.create({
        name: args[0] as string,
        ...(flags.login !== undefined && { login: flags.login }),
        ...(flags.role && { roles: flags.role }),
        ...(flags.right && { rights: flags.right }),
      });
      if (run.json) return run.printJson(made);
      const shown = visible(made);
      run.say(`Created identity ${shown.login} (${shown.id}).`);
    });

  identities
    .command('disable')
    .description('Disable an identity: its PATs stop being exchanged for tokens')
    .argument('<id>', 'the identity id')
    .addHelpText('after', example('patina identities disable 86f1dc6fe8f54414950454cbb11278fa'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkIdentityId(args[0] as string);
      const updated = await run.client().identities.update(id, { status: 'DISABLED' });
      if (run.json) return run.printJson(updated);
      const shown = visible(updated);
      run.say(`Disabled ${shown.login} (${shown.id}).`);
    });

  identities
    .command('offboard')
    .description('Revoke every PAT of an identity (managed ones too) and disable it, at once')
    .argument('<id>', 'the identity id')
    .option('--dry-run', 'change nothing; print what would be revoked')
    .option('--keep-enabled', 'revoke the PATs but leave the identity enabled')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText(
      'after',
      example(
        'patina identities offboard 86f1dc6fe8f54414950454cbb11278fa --dry-run',
        'patina identities offboard 86f1dc6fe8f54414950454cbb11278fa --yes --json',
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkIdentityId(args[0] as string);
      const flags = args[1] as { dryRun?: boolean; keepEnabled?: boolean; yes?: boolean };
      const client = run.client();
      const disable = !flags.keepEnabled;
      if (!flags.dryRun && !flags.yes) {
        if (!run.ctx.stdin.isTTY) {
          throw usageError('Refusing to offboard without confirmation: pass --yes (or --dry-run)');
        }
        const plan = await client.identities.offboard(id, { dryRun: true, disable });
        if (plan.revoked.length > 0) run.say(revokedTable(plan, run));
        const sure = await confirm(
          run.ctx,
          `Offboard ${id}: revoke ${count(plan.revoked.length)}${disable ? ' and disable it' : ''}? ` +
            'Whatever uses them stops working at once.',
        );
        if (!sure) throw new CliError('Not offboarded.');
      }
      const done = await client.identities.offboard(id, { dryRun: flags.dryRun === true, disable });
      if (run.json) return run.printJson(done);
      if (done.revoked.length > 0) run.print(revokedTable(done, run));
      const state = done.disabled ? 'disabled' : 'enabled';
      run.say(
        done.dryRun
          ? `Dry run: would revoke ${count(done.revoked.length)} of ${id}; it would be ${state}. Nothing changed.`
          : `Revoked ${count(done.revoked.length)} of ${id}; it is ${state}.`,
      );
    });

  return identities;
}

function checkIdentityId(id: string): string {
  if (!isIdShaped(id)) throw usageError('That is not an identity id (32 lowercase hex characters)');
  return id;
}

const count = (n: number) => `${n} PAT${n === 1 ? '' : 's'}`;

function revokedTable(answer: OffboardResponse, run: Run): string {
  return table(
    ['NAME', 'ID', 'MANAGED'],
    visible(answer.revoked).map((pat) => [
      pat.name,
      run.out.dim(pat.id),
      pat.managed ? 'yes' : 'no',
    ]),
    { bold: run.out.bold, maxWidth: run.width, shrinkable: [0] },
  );
}

function identityTable(
  identities: Identity[],
  paint: Colours,
  maxWidth: number | undefined,
): string {
  return table(
    ['LOGIN', 'NAME', 'STATUS', 'ROLES', 'SOURCE', 'ID'],
    identities.map((i) => [
      i.login,
      i.name,
      i.status === 'ACTIVE' ? i.status : paint.yellow(i.status),
      i.roles.join(' '),
      // Provisioned over SCIM: its name, login and roles change only in the directory.
      i.directoryManaged === true ? 'directory' : 'patina',
      paint.dim(i.id),
    ]),
    { bold: paint.bold, maxWidth, shrinkable: [1, 3] },
  );
}
