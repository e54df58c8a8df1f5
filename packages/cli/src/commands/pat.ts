import { isIdShaped, PAT_SORT_FIELDS } from '@patina/contract';
import type { CreatePatRequest, GetPatResponse, PatinaClient } from '@patina/sdk';
import { PatinaApiError } from '@patina/sdk';
import { Command } from 'commander';
import type { Context, Run } from '../context.js';
import { runOf } from '../context.js';
import { futureInstant, relativeTime } from '../durations.js';
import { CliError, usageError } from '../errors.js';
import { fields, table, type Colours } from '../output.js';
import { confirm } from '../prompt.js';
import { example } from './help.js';

/** Within this long of its expiry a PAT is shown as expiring. */
const EXPIRING_SOON_MS = 7 * 86_400_000;

export function patCommand(ctx: Context): Command {
  const pat = new Command('pat')
    .description('List, create, show, rename and delete your PATs')
    .addHelpText('after', example('patina pat list', 'patina pat create deploy --expires 30d'));

  pat
    .command('list')
    .description('List PATs (yours, unless --owner or --all)')
    .option('--owner <id>', "whose: an identity id, or 'me'", 'me')
    .option('--all', "every owner's (needs sp:all-personal-access-tokens:read)")
    .option('--filter <expr>', "SailPoint filter on lastUsed, e.g. 'lastUsed isnull'")
    .option('--sort <fields>', `comma-separated ${PAT_SORT_FIELDS.join(', ')}; - for descending`)
    .addHelpText(
      'after',
      example(
        'patina pat list --sort -created',
        "patina pat list --filter 'lastUsed isnull' --json",
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const flags = args[0] as { owner: string; all?: boolean; filter?: string; sort?: string };
      const pats: GetPatResponse[] = [];
      const query = {
        ...(!flags.all && { ownerId: flags.owner }),
        ...(flags.filter !== undefined && { filters: flags.filter }),
        ...(flags.sort !== undefined && { sorters: flags.sort }),
      };
      for await (const item of run.client().pats.iterate(query)) pats.push(item);
      if (run.json) return run.printJson(pats);
      if (pats.length === 0) return run.say('No personal access tokens.');
      run.print(patTable(pats, run.ctx.nowMs(), run.out, Boolean(flags.all), run.width));
    });

  pat
    .command('create')
    .description('Create a PAT; its secret is printed once, to stdout')
    .argument('<name>', 'a name unique among your PATs')
    .option('--scope <scope...>', 'a scope it grants (repeat for more; default sp:scopes:all)')
    .option('--expires <when>', 'a span (30d, 12h), a date (2027-01-31, midnight UTC) or never')
    .option(
      '--token-lifetime <seconds>',
      'lifetime of each access token minted from it (15..43200)',
    )
    .addHelpText(
      'after',
      example(
        "patina pat create 'CI pipeline' --scope sp:my-personal-access-tokens:read --expires 30d",
        'SECRET=$(patina pat create deploy --expires 2027-01-31)',
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const name = args[0] as string;
      const flags = args[1] as { scope?: string[]; expires?: string; tokenLifetime?: string };
      const body: CreatePatRequest = { name };
      if (flags.scope) body.scope = flags.scope;
      if (flags.expires === 'never') {
        body.expirationDate = null;
        body.userAwareTokenNeverExpires = true;
      } else if (flags.expires !== undefined) {
        body.expirationDate = futureInstant(flags.expires, '--expires', run.ctx.nowMs());
      }
      if (flags.tokenLifetime !== undefined) {
        const seconds = Number(flags.tokenLifetime);
        if (!Number.isInteger(seconds)) throw usageError('--token-lifetime must be whole seconds');
        body.accessTokenValiditySeconds = seconds;
      }
      const created = await run.client().pats.create(body);
      if (run.json) return run.printJson(created);
      run.say(
        fields(
          [
            ['Created', `${created.name} (${created.id})`],
            ['Scopes', created.scope.join(' ')],
            ['Expires', expiry(created.expirationDate, run.ctx.nowMs(), run.err)],
          ],
          run.err.dim,
        ) +
          run.err.yellow('The secret is shown this once, on stdout; store it now.') +
          `\nUse it as the client secret of client id ${created.id}.`,
      );
      run.print(created.secret);
    });

  pat
    .command('show')
    .description('Show one PAT')
    .argument('<id>', 'the PAT id (its client id)')
    .addHelpText('after', example('patina pat show 86f1dc6fe8f54414950454cbb11278fa'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkId(args[0] as string);
      const found = await findPat(run.client(), id);
      if (run.json) return run.printJson(found);
      const now = run.ctx.nowMs();
      run.print(
        fields(
          [
            ['Name', found.name],
            ['ID', found.id],
            ['Owner', `${found.owner.name} (${found.owner.id})`],
            ['Scopes', found.scope.join(' ')],
            ['Created', `${found.created} (${relativeTime(found.created, now)})`],
            [
              'Last used',
              found.lastUsed ? `${found.lastUsed} (${relativeTime(found.lastUsed, now)})` : 'never',
            ],
            ['Expires', expiry(found.expirationDate, now, run.out, true)],
            ['Token lifetime', `${found.accessTokenValiditySeconds} s`],
            ['Managed', found.managed ? 'yes' : 'no'],
          ],
          run.out.dim,
        ),
      );
    });

  pat
    .command('rename')
    .description('Give a PAT a new name')
    .argument('<id>', 'the PAT id')
    .argument('<name>', 'the new name')
    .addHelpText('after', example("patina pat rename 86f1dc6fe8f54414950454cbb11278fa 'CI (prod)'"))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkId(args[0] as string);
      const updated = await run
        .client()
        .pats.update(id, [{ op: 'replace', path: '/name', value: args[1] }]);
      if (run.json) return run.printJson(updated);
      run.say(`Renamed ${updated.id} to ${updated.name}.`);
    });

  pat
    .command('delete')
    .description('Delete a PAT; its access tokens stop working at once')
    .argument('<id>', 'the PAT id')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', example('patina pat delete 86f1dc6fe8f54414950454cbb11278fa --yes'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkId(args[0] as string);
      const { yes } = args[1] as { yes?: boolean };
      const client = run.client();
      if (!yes) await confirmDelete(run, client, id);
      await client.pats.delete(id);
      if (run.json) return run.printJson({ deleted: id });
      run.say(`Deleted ${id}.`);
    });

  return pat;
}

async function confirmDelete(run: Run, client: PatinaClient, id: string): Promise<void> {
  if (!run.ctx.stdin.isTTY) {
    throw usageError('Refusing to delete without confirmation: pass --yes');
  }
  const found = await findPat(client, id);
  const sure = await confirm(
    run.ctx,
    `Delete ${found.name} (${found.id})? Scripts using it will stop working at once.`,
  );
  if (!sure) throw new CliError('Not deleted.');
}

/** A PAT id has the shape of every Patina id; anything else is not echoed (it may be a secret). */
function checkId(id: string): string {
  if (!isIdShaped(id)) {
    throw usageError(
      'That is not a PAT id (32 lowercase hex characters, as `patina pat list` shows)',
    );
  }
  return id;
}

/** The PAT among the caller's own, then among everyone's where the caller may read those. */
async function findPat(client: PatinaClient, id: string): Promise<GetPatResponse> {
  for await (const pat of client.pats.iterate({ ownerId: 'me' })) if (pat.id === id) return pat;
  try {
    for await (const pat of client.pats.iterate()) if (pat.id === id) return pat;
  } catch (error) {
    if (!(error instanceof PatinaApiError && error.status === 403)) throw error;
  }
  throw new CliError(`No personal access token ${id} among those you can see`);
}

function patTable(
  pats: GetPatResponse[],
  nowMs: number,
  paint: Colours,
  withOwner: boolean,
  maxWidth: number | undefined,
) {
  const headers = [
    'NAME',
    'ID',
    ...(withOwner ? ['OWNER'] : []),
    'SCOPES',
    'CREATED',
    'LAST USED',
    'EXPIRES',
  ];
  const rows = pats.map((pat) => [
    pat.name,
    paint.dim(pat.id),
    ...(withOwner ? [pat.owner.name] : []),
    pat.scope.join(' '),
    relativeTime(pat.created, nowMs),
    pat.lastUsed ? relativeTime(pat.lastUsed, nowMs) : 'never',
    expiry(pat.expirationDate, nowMs, paint),
  ]);
  // Scopes give way first, then names: the id, dates and expiry are what the table is for.
  return table(headers, rows, { bold: paint.bold, maxWidth, shrinkable: [withOwner ? 3 : 2, 0] });
}

/** `in 5 months`, `expired 2 days ago` (red), `in 3 days` (yellow), `never`. */
function expiry(iso: string | null, nowMs: number, paint: Colours, withDate = false): string {
  if (iso === null) return 'never';
  const when = relativeTime(iso, nowMs);
  const left = Date.parse(iso) - nowMs;
  const text = left <= 0 ? `expired ${when}` : when;
  const shown = withDate ? `${iso} (${text})` : text;
  if (left <= 0) return paint.red(shown);
  return left < EXPIRING_SOON_MS ? paint.yellow(shown) : shown;
}
