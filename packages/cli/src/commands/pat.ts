import { isIdShaped, MAX_ROTATION_GRACE_SECONDS, PAT_SORT_FIELDS } from '@patina/contract';
import { isPending } from '@patina/sdk';
import type {
  GetPatResponse,
  PatinaClient,
  PatinaCreatePatRequest,
  PatinaCreatePatResponse,
  PatinaPat,
  PatinaPatMergePatch,
  PatUseSource,
  PatWarning,
} from '@patina/sdk';
import { Command } from 'commander';
import type { Context, Run } from '../context.js';
import { runOf } from '../context.js';
import { futureInstant, relativeTime, spanMs } from '../durations.js';
import { CliError, usageError } from '../errors.js';
import { fields, table, visible, type Colours } from '../output.js';
import { confirm } from '../prompt.js';
import { example } from './help.js';
import { sayPending, timeoutMs, waitForDecision } from './request.js';

/** Within this long of its expiry a PAT is shown as expiring. */
const EXPIRING_SOON_MS = 7 * 86_400_000;

export function patCommand(ctx: Context): Command {
  const pat = new Command('pat')
    .description('List, create, show, rename, rotate and delete your PATs')
    .addHelpText(
      'after',
      example('patina pat list', 'patina pat create deploy --expires 30d', 'patina pat rotate ID'),
    );

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
      run.print(patTable(visible(pats), run.ctx.nowMs(), run.out, Boolean(flags.all), run.width));
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
    .option('--description <text>', 'what it is for, for people (up to 1000 characters)')
    .option(
      '--allowed-cidr <cidr...>',
      'an IPv4 or IPv6 CIDR it may be used from (repeat for more; default anywhere)',
    )
    .option(
      '--require-dpop',
      'DPoP-bound tokens only (RFC 9449): an exchange without a DPoP proof is refused (patina itself cannot then log in with it)',
    )
    .option(
      '--justification <text>',
      'why it needs its sensitive scopes, for the approver (required when an approval rule applies)',
    )
    .option(
      '--ticket-url <url>',
      'an http(s) link to the ticket that asked for it, for the approver',
    )
    .option(
      '--wait',
      'if held for approval, wait for the decision and print the secret once approved',
    )
    .option('--timeout <span>', 'with --wait: how long to wait (90s, 30m, 2h)', '30m')
    .addHelpText(
      'after',
      example(
        "patina pat create 'CI pipeline' --scope sp:my-personal-access-tokens:read --expires 30d",
        "SECRET=$(patina pat create deploy --expires 2027-01-31 --description 'Deploys the web app')",
        'patina pat create runner --allowed-cidr 203.0.113.0/24 --allowed-cidr 2001:db8::/32',
        "patina pat create payer --scope payments:write --justification 'Nightly payout job' --wait > secret.txt",
      ) +
        '\nA sensitive scope (server config approval.rules) holds the PAT for an approver: the\n' +
        'request is printed to stderr and patina exits 8; `patina request secret ID` fetches the\n' +
        'secret once approved. With --wait it asks every 5 s and prints the secret on approval.\n',
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const name = args[0] as string;
      const flags = args[1] as {
        scope?: string[];
        expires?: string;
        tokenLifetime?: string;
        description?: string;
        allowedCidr?: string[];
        requireDpop?: boolean;
        justification?: string;
        ticketUrl?: string;
        wait?: boolean;
        timeout: string;
      };
      const waitMs = flags.wait ? timeoutMs(flags.timeout) : 0;
      const body: PatinaCreatePatRequest = { name };
      if (flags.justification !== undefined) body.justification = flags.justification;
      if (flags.ticketUrl !== undefined) body.ticketUrl = flags.ticketUrl;
      if (flags.requireDpop) body.requireDpop = true;
      if (flags.description !== undefined) body.description = flags.description;
      if (flags.allowedCidr) body.allowedCidrs = flags.allowedCidr;
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
      // Patina's resource: the same PAT as the SailPoint create makes, with description and CIDRs.
      const client = run.client();
      const result = await client.patinaPats.create(body);
      if (!isPending(result)) return sayCreated(run, result);
      if (!flags.wait) sayPending(run, result.pending);
      sayCreated(run, await waitForDecision(run, client, result.pending, waitMs));
    });

  pat
    .command('show')
    .description('Show one PAT: its status, where it was last used from, its description')
    .argument('<id>', 'the PAT id (its client id)')
    .addHelpText(
      'after',
      example(
        'patina pat show 86f1dc6fe8f54414950454cbb11278fa',
        'patina pat show 86f1dc6fe8f54414950454cbb11278fa --json',
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkId(args[0] as string);
      const found = await run.client().pats.get(id);
      if (run.json) return run.printJson(found);
      run.print(fields(showFields(visible(found), run.ctx.nowMs(), run.out), run.out.dim));
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
      const shown = visible(updated);
      run.say(`Renamed ${shown.id} to ${shown.name}.`);
    });

  pat
    .command('edit')
    .description("Change a PAT's description, where it may be used from, or its scopes")
    .argument('<id>', 'the PAT id')
    .option('--description <text>', "what it is for ('' removes it)")
    .option(
      '--allowed-cidr <cidr...>',
      'the only addresses it may be exchanged from (repeat for more); replaces the list',
    )
    .option('--anywhere', 'lift the address restriction: it may be used from anywhere')
    .option('--scope <scope...>', 'the scopes it grants (repeat for more); replaces them')
    .option(
      '--require-dpop',
      'DPoP-bound tokens only from now on: its bearer access tokens stop at once',
    )
    .option('--no-require-dpop', 'bearer tokens again')
    .option(
      '--justification <text>',
      'why it needs an added sensitive scope, for the approver (required when a rule applies)',
    )
    .option('--ticket-url <url>', 'an http(s) link to the ticket that asked for it')
    .addHelpText(
      'after',
      example(
        "patina pat edit 86f1dc6fe8f54414950454cbb11278fa --description 'Nightly export'",
        "patina pat edit 86f1dc6fe8f54414950454cbb11278fa --scope payments:read --scope payments:write --justification 'Refunds too'",
        'patina pat edit 86f1dc6fe8f54414950454cbb11278fa --allowed-cidr 10.0.0.0/8 --allowed-cidr 192.0.2.7',
        'patina pat edit 86f1dc6fe8f54414950454cbb11278fa --anywhere',
      ) +
        '\nAdding a sensitive scope (server config approval.rules) changes nothing yet: the request\n' +
        'is printed to stderr and patina exits 8 until an approver says yes.\n',
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkId(args[0] as string);
      const flags = args[1] as {
        description?: string;
        allowedCidr?: string[];
        anywhere?: boolean;
        scope?: string[];
        requireDpop?: boolean;
        justification?: string;
        ticketUrl?: string;
      };
      if (flags.anywhere && flags.allowedCidr) {
        throw usageError('--anywhere and --allowed-cidr cannot go together');
      }
      const patch: PatinaPatMergePatch = {};
      if (flags.description !== undefined) {
        patch.description = flags.description === '' ? null : flags.description;
      }
      if (flags.allowedCidr) patch.allowedCidrs = flags.allowedCidr;
      if (flags.anywhere) patch.allowedCidrs = null;
      if (flags.scope) patch.scope = flags.scope;
      if (flags.requireDpop !== undefined) patch.requireDpop = flags.requireDpop;
      if (Object.keys(patch).length === 0) {
        throw usageError(
          'Nothing to change: give --description, --allowed-cidr, --anywhere, --scope, --require-dpop or --no-require-dpop',
        );
      }
      // Not changes of their own: what an approver reads when an added scope is held back.
      if (flags.justification !== undefined) patch.justification = flags.justification;
      if (flags.ticketUrl !== undefined) patch.ticketUrl = flags.ticketUrl;
      const result = await run.client().patinaPats.update(id, patch);
      if (isPending(result)) sayPending(run, result.pending);
      const updated = result;
      if (run.json) return run.printJson(updated);
      const shown = visible(updated);
      run.say(
        fields(
          [
            ['Changed', `${shown.name} (${shown.id})`],
            ['Description', shown.description || '-'],
            ['From', shown.allowedCidrs?.join(' ') ?? 'anywhere'],
            ['Scopes', shown.scope.join(' ')],
            ['DPoP', shown.requireDpop ? 'required: bound tokens only' : 'optional'],
          ],
          run.err.dim,
        ).trimEnd() + warningLines(shown.warnings, run.err),
      );
    });

  pat
    .command('rotate')
    .description('Give a PAT a new secret, printed once to stdout; the old one may work on a while')
    .argument('<id>', 'the PAT id')
    .option(
      '--grace <span>',
      'how long the old secret keeps working: 0 (default: it stops now) or a span up to 7d (30m, 1h, 2d)',
      '0',
    )
    .addHelpText(
      'after',
      example(
        'patina pat rotate 86f1dc6fe8f54414950454cbb11278fa --grace 1h > secret.txt',
        'NEW=$(patina pat rotate 86f1dc6fe8f54414950454cbb11278fa)',
      ) +
        '\nThe id, scopes and expiry stay; rotating again ends an earlier grace window at once.\n',
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkId(args[0] as string);
      const { grace } = args[1] as { grace: string };
      const gracePeriodSeconds = graceSeconds(grace);
      const rotated = await run.client().pats.rotate(id, { gracePeriodSeconds });
      if (run.json) return run.printJson(rotated);
      const now = run.ctx.nowMs();
      const until = rotated.previousSecretValidUntil;
      const shown = visible(rotated);
      run.say(
        fields(
          [
            ['Rotated', `${shown.name} (${shown.id})`],
            [
              'Old secret',
              until === null
                ? 'stopped working now'
                : `works until ${until} (${relativeTime(until, now)})`,
            ],
          ],
          run.err.dim,
        ) + run.err.yellow('The new secret is shown this once, on stdout; store it now.'),
      );
      run.print(rotated.secret);
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

/** A PAT just made (or approved): its secret alone on stdout, the rest on stderr. */
export function sayCreated(run: Run, created: PatinaCreatePatResponse): void {
  if (run.json) return run.printJson(created);
  const shown = visible(created);
  run.say(
    fields(
      [
        ['Created', `${shown.name} (${shown.id})`],
        ['Scopes', shown.scope.join(' ')],
        ['Expires', expiry(shown.expirationDate, run.ctx.nowMs(), run.err)],
      ],
      run.err.dim,
    ) +
      run.err.yellow('The secret is shown this once, on stdout; store it now.') +
      `\nUse it as the client secret of client id ${shown.id}.` +
      warningLines(shown.warnings, run.err),
  );
  run.print(created.secret);
}

async function confirmDelete(run: Run, client: PatinaClient, id: string): Promise<void> {
  if (!run.ctx.stdin.isTTY) {
    throw usageError('Refusing to delete without confirmation: pass --yes');
  }
  const found = visible(await client.pats.get(id));
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

/** `--grace`: 0, or a span (30m, 1h, 2d, 1w) of at most a week, as seconds. */
function graceSeconds(text: string): number {
  const ms = text.trim() === '0' ? 0 : spanMs(text);
  if (ms === undefined || ms / 1000 > MAX_ROTATION_GRACE_SECONDS) {
    throw usageError('--grace must be 0 or a span like 30m, 1h or 2d, at most 7d');
  }
  return ms / 1000;
}

function showFields(pat: PatinaPat, now: number, paint: Colours): [string, string][] {
  const at = (iso: string) => `${iso} (${relativeTime(iso, now)})`;
  // Members the contract declares by reference (Type.Ref) come through as unknown: their shapes.
  const sources = pat.lastUsedFrom as PatUseSource[];
  const owner = pat.owner as GetPatResponse['owner'];
  const entries: [string, string][] = [
    ['Name', pat.name],
    ['ID', pat.id],
    ['Status', statusOf(pat.status, paint)],
    ['Description', pat.description === '' ? paint.dim('none') : pat.description],
    ['Owner', `${owner.name} (${owner.id})`],
    ['Scopes', pat.scope.join(' ')],
    ['Created', at(pat.created)],
    ['Last used', pat.lastUsed ? at(pat.lastUsed) : 'never'],
    [
      'Last used from',
      sources.length === 0
        ? 'nowhere yet'
        : sources
            .map(
              (s) => `${s.ip} ${relativeTime(s.at, now)}${s.userAgent ? ` (${s.userAgent})` : ''}`,
            )
            .join('\n' + ' '.repeat('Last used from'.length + 2)),
    ],
    ['Allowed from', pat.allowedCidrs === null ? 'anywhere' : pat.allowedCidrs.join(' ')],
    ['DPoP', pat.requireDpop ? 'required: bound tokens only' : 'optional'],
    ['Expires', expiry(pat.expirationDate, now, paint, true)],
    ['Rotated', pat.rotatedAt ? at(pat.rotatedAt) : 'never'],
  ];
  if (pat.previousSecretValidUntil !== null && Date.parse(pat.previousSecretValidUntil) > now) {
    entries.push(['Old secret until', at(pat.previousSecretValidUntil)]);
  }
  entries.push(
    ['Token lifetime', `${pat.accessTokenValiditySeconds} s`],
    ['Managed', pat.managed ? 'yes' : 'no'],
  );
  return entries;
}

function statusOf(status: PatinaPat['status'], paint: Colours): string {
  if (status === 'EXPIRED') return paint.red(status);
  return status === 'EXPIRING' ? paint.yellow(status) : status;
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

/** The server's warnings about a PAT it made or changed, one line each (e.g. it grants nothing). */
function warningLines(warnings: readonly PatWarning[] | undefined, paint: Colours): string {
  return (warnings ?? [])
    .map((w) => `\n${paint.yellow(`Warning (${w.field}): ${w.message}`)}`)
    .join('');
}
