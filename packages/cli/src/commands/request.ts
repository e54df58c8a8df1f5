import {
  hasPrefixedIdShape,
  PAT_REQUEST_ID_PREFIX,
  PAT_REQUEST_STATUSES,
  type PatRequestStatus,
} from '@patina/contract';
import type { PatinaClient, PatinaCreatePatResponse, PatRequest } from '@patina/sdk';
import { Command, Option } from 'commander';
import type { Context, Run } from '../context.js';
import { runOf } from '../context.js';
import { relativeTime, spanMs } from '../durations.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { fields, table, visible, type Colours } from '../output.js';
import { example } from './help.js';

const ID = 'prq_0f1e2d3c4b5a69788796a5b4c3d2e1f0';
/** How often `--wait` asks whether the request was decided. */
export const POLL_INTERVAL_MS = 5000;
const STATUS_CHOICES = [...PAT_REQUEST_STATUSES.map((s) => s.toLowerCase()), 'all'];

export function requestCommand(ctx: Context, saySecret: SecretPrinter): Command {
  const request = new Command('request')
    .description('PAT requests held for approval: list, show, approve, deny, fetch the secret')
    .addHelpText(
      'after',
      example(
        'patina request list',
        `patina request approve ${ID} --comment 'Ticket SEC-1234 checked'`,
        `patina request secret ${ID} > secret.txt`,
      ) +
        '\nA PAT with a sensitive scope (server config approval.rules) is not made at once: an\n' +
        'approver (never its requester) approves it, then its requester fetches the secret once.\n',
    );

  request
    .command('list')
    .description('List requests you may decide and requests you made')
    .addOption(
      new Option('--status <status>', 'only requests in this status')
        .choices(STATUS_CHOICES)
        .default('pending'),
    )
    .addHelpText('after', example('patina request list', 'patina request list --status all --json'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const { status } = args[0] as { status: string };
      const query = status === 'all' ? {} : { status: status.toUpperCase() as PatRequestStatus };
      const all: PatRequest[] = [];
      for await (const item of run.client().patRequests.iterate(query)) all.push(item);
      if (run.json) return run.printJson(all);
      if (all.length === 0) {
        return run.say(status === 'all' ? 'No PAT requests.' : `No ${status} PAT requests.`);
      }
      const now = run.ctx.nowMs();
      run.print(
        table(
          ['ID', 'STATUS', 'REQUESTER', 'PAT NAME', 'SENSITIVE SCOPES', 'EXPIRES'],
          visible(all).map((item) => [
            item.id,
            statusText(item.status, run.out),
            item.requester.name,
            item.name,
            item.sensitiveScopes.join(' '),
            expiresText(item, now),
          ]),
          { bold: run.out.bold, maxWidth: run.width, shrinkable: [4, 3, 2] },
        ),
      );
    });

  request
    .command('show')
    .description('Show one request: who asked, for what, why, and what became of it')
    .argument('<id>', 'the request id (prq_…)')
    .addHelpText('after', example(`patina request show ${ID}`, `patina request show ${ID} --json`))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const found = await run.client().patRequests.get(checkRequestId(args[0] as string));
      if (run.json) return run.printJson(found);
      run.print(fields(requestFields(visible(found), run.ctx.nowMs(), run.out), run.out.dim));
    });

  request
    .command('approve')
    .description('Approve a pending request (never your own): the PAT is made')
    .argument('<id>', 'the request id (prq_…)')
    .option('--comment <text>', 'why, for the record')
    .addHelpText(
      'after',
      example(`patina request approve ${ID} --comment 'Ticket SEC-1234 checked'`),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkRequestId(args[0] as string);
      const { comment } = args[1] as { comment?: string };
      const approved = await run
        .client()
        .patRequests.approve(id, comment === undefined ? {} : { comment });
      if (run.json) return run.printJson(approved);
      const shown = visible(approved);
      run.say(
        `Approved ${shown.id}: ${shown.name} for ${shown.requester.name}.` +
          (shown.kind === 'CREATE'
            ? `\nThey fetch its secret once with \`patina request secret ${shown.id}\`.`
            : ''),
      );
    });

  request
    .command('deny')
    .description('Deny a pending request, with a comment the requester reads; nothing is made')
    .argument('<id>', 'the request id (prq_…)')
    .requiredOption('--comment <text>', 'why not (required)')
    .addHelpText(
      'after',
      example(`patina request deny ${ID} --comment 'Use the read-only scope instead'`),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkRequestId(args[0] as string);
      const { comment } = args[1] as { comment: string };
      const denied = await run.client().patRequests.deny(id, { comment });
      if (run.json) return run.printJson(denied);
      const shown = visible(denied);
      run.say(`Denied ${shown.id}: ${shown.name} for ${shown.requester.name}.`);
    });

  request
    .command('secret')
    .description('Fetch the secret of your approved PAT, once, to stdout')
    .argument('<id>', 'the request id (prq_…)')
    .addHelpText(
      'after',
      example(`patina request secret ${ID} > secret.txt`, `SECRET=$(patina request secret ${ID})`) +
        '\nThe secret can be fetched once; after that the request is FULFILLED.\n',
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkRequestId(args[0] as string);
      const created = await run.client().patRequests.fetchSecret(id);
      saySecret(run, created);
    });

  return request;
}

/** How a command prints a PAT with its secret: the secret to stdout, the rest to stderr. */
export type SecretPrinter = (run: Run, created: PatinaCreatePatResponse) => void;

/** A request id has its prefix and 32 hex digits; anything else is not echoed. */
export function checkRequestId(id: string): string {
  if (!hasPrefixedIdShape(id, PAT_REQUEST_ID_PREFIX)) {
    throw usageError(
      'That is not a request id (prq_ and 32 hex digits, as `patina request list` shows)',
    );
  }
  return id;
}

/**
 * A create or change held for approval: the request on stderr (stdout stays empty, it holds no
 * secret), `{ "pending": … }` on stdout with --json; then exit 8.
 */
export function sayPending(run: Run, request: PatRequest): never {
  if (run.json) run.printJson({ pending: request });
  else {
    const shown = visible(request);
    run.say(
      fields(requestFields(shown, run.ctx.nowMs(), run.err), run.err.dim) +
        run.err.yellow(
          `Nothing is made until an approver says yes; approvers see it with \`patina request list\`.`,
        ) +
        `\nFollow it with \`patina request show ${shown.id}\`` +
        (shown.kind === 'CREATE'
          ? `; once approved, fetch the secret once with \`patina request secret ${shown.id}\`.`
          : '.'),
    );
  }
  throw new CliError(`Waiting for approval: request ${request.id}`, EXIT.pending);
}

/**
 * `--wait`: asks every 5 s until the request is decided or `timeoutMs` runs out. Approved: the
 * PAT with its secret (fetched once). Denied or expired: an error (exit 1). Still pending: exit 8.
 */
export async function waitForDecision(
  run: Run,
  client: PatinaClient,
  request: PatRequest,
  timeoutMs: number,
): Promise<PatinaCreatePatResponse> {
  const deadline = run.ctx.nowMs() + timeoutMs;
  run.say(
    `Waiting for an approver to decide ${request.id} (asking every ${POLL_INTERVAL_MS / 1000} s; ` +
      'Ctrl-C stops waiting, the request stays)…',
  );
  let current = request;
  while (current.status === 'PENDING') {
    const leftMs = deadline - run.ctx.nowMs();
    if (leftMs <= 0) {
      run.say(
        `Still pending. Follow it with \`patina request show ${current.id}\`; ` +
          `once approved, fetch the secret with \`patina request secret ${current.id}\`.`,
      );
      throw new CliError(`Waiting for approval: request ${current.id}`, EXIT.pending);
    }
    await sleep(Math.min(POLL_INTERVAL_MS, leftMs));
    current = await client.patRequests.get(current.id);
  }
  const shown = visible(current);
  const by = shown.decidedBy ? ` by ${shown.decidedBy.name}` : '';
  const why = shown.comment ? `: ${shown.comment}` : '';
  switch (current.status) {
    case 'APPROVED':
      run.say(`Approved${by}${why}.`);
      return client.patRequests.fetchSecret(current.id);
    case 'DENIED':
      throw new CliError(`Request ${current.id} was denied${by}${why}`);
    case 'EXPIRED':
      throw new CliError(`Request ${current.id} expired: nobody decided it in time`);
    default:
      throw new CliError(
        `Request ${current.id} is ${current.status}: its secret was fetched already`,
      );
  }
}

/** `--timeout`: a span (90s is not one; 30m, 2h, 1d) as milliseconds. */
export function timeoutMs(text: string): number {
  const seconds = /^(\d+)s$/.exec(text.trim());
  const ms = seconds ? Number(seconds[1]) * 1000 : spanMs(text);
  if (ms === undefined || ms <= 0) {
    throw usageError('--timeout must be a span like 90s, 30m or 2h');
  }
  return ms;
}

function requestFields(request: PatRequest, now: number, paint: Colours): [string, string][] {
  const at = (iso: string) => `${iso} (${relativeTime(iso, now)})`;
  const entries: [string, string][] = [
    ['Request', request.id],
    ['Status', statusText(request.status, paint)],
    ['Kind', request.kind === 'CREATE' ? 'a new PAT' : 'a scope added to a PAT'],
    [
      'Requester',
      `${request.requester.name}${request.requester.id ? ` (${request.requester.id})` : ''}`,
    ],
    ['PAT', request.patId ? `${request.name} (${request.patId})` : request.name],
    ['Scopes', request.scope.join(' ')],
    ['Sensitive', request.sensitiveScopes.join(' ')],
    ['Justification', request.justification],
  ];
  if (request.ticketUrl) entries.push(['Ticket', request.ticketUrl]);
  if (request.expirationDate) entries.push(['PAT expires', at(request.expirationDate)]);
  entries.push(['Asked', at(request.created)]);
  if (request.status === 'PENDING') entries.push(['Decide by', at(request.expiresAt)]);
  if (request.decidedBy) {
    entries.push([
      'Decided',
      `${request.decidedBy.name}${request.decidedAt ? `, ${at(request.decidedAt)}` : ''}`,
    ]);
  }
  if (request.comment) entries.push(['Comment', request.comment]);
  if (request.status === 'APPROVED' && request.secretAvailableUntil) {
    entries.push(['Secret until', at(request.secretAvailableUntil)]);
  }
  if (request.canDecide) entries.push(['You', 'may approve or deny it']);
  return entries;
}

/** When it lapses: a PENDING request unanswered, an APPROVED one's secret unfetched. */
function expiresText(request: PatRequest, now: number): string {
  if (request.status === 'PENDING') return relativeTime(request.expiresAt, now);
  if (request.status === 'APPROVED' && request.secretAvailableUntil) {
    return relativeTime(request.secretAvailableUntil, now);
  }
  return '-';
}

function statusText(status: PatRequestStatus, paint: Colours): string {
  if (status === 'DENIED' || status === 'EXPIRED') return paint.red(status);
  if (status === 'PENDING') return paint.yellow(status);
  return paint.green(status);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
