import type { Identity } from '@patina/sdk';
import { isIdShaped } from '@patina/contract';
import { Command } from 'commander';
import type { Context } from '../context.js';
import { runOf } from '../context.js';
import { usageError } from '../errors.js';
import { table, type Colours } from '../output.js';
import { example } from './help.js';

export function identitiesCommand(ctx: Context): Command {
  const identities = new Command('identities')
    .description('List, create and disable identities (administrators)')
    .addHelpText('after', example('patina identities list', 'patina identities disable <id>'));

  identities
    .command('list')
    .description('List identities')
    .addHelpText('after', example('patina identities list', 'patina identities list --json'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const all: Identity[] = [];
      for await (const identity of run.client().identities.iterate()) all.push(identity);
      if (run.json) return run.printJson(all);
      run.print(identityTable(all, run.out, run.width));
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
      run.say(`Created identity ${made.login} (${made.id}).`);
    });

  identities
    .command('disable')
    .description('Disable an identity: its PATs stop being exchanged for tokens')
    .argument('<id>', 'the identity id')
    .addHelpText('after', example('patina identities disable 86f1dc6fe8f54414950454cbb11278fa'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = args[0] as string;
      if (!isIdShaped(id))
        throw usageError('That is not an identity id (32 lowercase hex characters)');
      const updated = await run.client().identities.update(id, { status: 'DISABLED' });
      if (run.json) return run.printJson(updated);
      run.say(`Disabled ${updated.login} (${updated.id}).`);
    });

  return identities;
}

function identityTable(
  identities: Identity[],
  paint: Colours,
  maxWidth: number | undefined,
): string {
  return table(
    ['LOGIN', 'NAME', 'STATUS', 'ROLES', 'ID'],
    identities.map((i) => [
      i.login,
      i.name,
      i.status === 'ACTIVE' ? i.status : paint.yellow(i.status),
      i.roles.join(' '),
      paint.dim(i.id),
    ]),
    { bold: paint.bold, maxWidth, shrinkable: [1, 3] },
  );
}
