import {
  ACCESS_REVIEW_ID_PREFIX,
  ACCESS_REVIEW_ITEM_ID_PREFIX,
  escapeInvisible,
  hasPrefixedIdShape,
  isIdShaped,
  REVIEW_ITEM_OUTCOMES,
  WHEN_UNDECIDED,
  type AccessReviewStatus,
  type ReviewItemOutcome,
  type WhenUndecided,
} from '@patina/contract';
import type {
  AccessReview,
  AccessReviewItem,
  CreateAccessReviewRequest,
  ReviewDecisionRequest,
  UsageDay,
} from '@patina/sdk';
import { Command, Option } from 'commander';
import type { Context } from '../context.js';
import { runOf } from '../context.js';
import { futureInstant, relativeTime } from '../durations.js';
import { CliError, usageError } from '../errors.js';
import { fields, table, visible, type Colours } from '../output.js';
import { confirm } from '../prompt.js';
import { example } from './help.js';

const REVIEW = 'rev_5d41402abc4b2a76b9719d911017c592';
const ITEM = 'rvi_7d793037a0760186574b0282f2f435e7';

export function reviewCommand(ctx: Context): Command {
  const review = new Command('review')
    .description('Access reviews: certify or revoke the PATs you are asked to review')
    .addHelpText(
      'after',
      example(
        'patina review list',
        `patina review items ${REVIEW} --mine`,
        `patina review decide ${REVIEW} ${ITEM} --certify --comment 'Still runs the nightly export'`,
      ),
    );

  review
    .command('list')
    .description('List campaigns (administrators: all; others: those with items for you)')
    .addOption(
      new Option('--status <status>', 'only campaigns in this status')
        .choices(['open', 'closed', 'all'])
        .default('open'),
    )
    .addHelpText('after', example('patina review list', 'patina review list --status all --json'))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const { status } = args[0] as { status: string };
      const query = status === 'all' ? {} : { status: status.toUpperCase() as AccessReviewStatus };
      const all: AccessReview[] = [];
      for await (const item of run.client().accessReviews.iterate(query)) all.push(item);
      if (run.json) return run.printJson(all);
      if (all.length === 0) {
        return run.say(status === 'all' ? 'No access reviews.' : `No ${status} access reviews.`);
      }
      const now = run.ctx.nowMs();
      run.print(
        table(
          ['ID', 'NAME', 'STATUS', 'DECIDED', 'DEADLINE', 'UNDECIDED'],
          visible(all).map((item) => [
            item.id,
            item.name,
            item.status,
            `${item.progress.decided}/${item.progress.total}`,
            deadline(item, now, run.out),
            item.whenUndecided,
          ]),
          { bold: run.out.bold, maxWidth: run.width, shrinkable: [1] },
        ),
      );
    });

  review
    .command('show')
    .description('Show a campaign: what it reviews, who reviews, its deadline and progress')
    .argument('<id>', 'the campaign id (rev_…)')
    .addHelpText('after', example(`patina review show ${REVIEW}`))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const found = await run.client().accessReviews.get(checkReviewId(args[0] as string));
      if (run.json) return run.printJson(found);
      run.print(fields(reviewFields(visible(found), run.ctx.nowMs(), run.out), run.out.dim));
    });

  review
    .command('items')
    .description('List the items (PATs) of a campaign with their evidence')
    .argument('<id>', 'the campaign id (rev_…)')
    .option('--mine', 'only the items you review')
    .addOption(
      new Option('--outcome <outcome>', 'only items with this outcome').choices(
        REVIEW_ITEM_OUTCOMES.map((o) => o.toLowerCase()),
      ),
    )
    .addHelpText(
      'after',
      example(
        `patina review items ${REVIEW} --mine --outcome pending`,
        `patina review items ${REVIEW} --json`,
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkReviewId(args[0] as string);
      const flags = args[1] as { mine?: boolean; outcome?: string };
      const query = {
        ...(flags.mine && { reviewer: 'me' }),
        ...(flags.outcome && { outcome: flags.outcome.toUpperCase() as ReviewItemOutcome }),
      };
      const all: AccessReviewItem[] = [];
      for await (const item of run.client().accessReviews.iterateItems(id, query)) all.push(item);
      if (run.json) return run.printJson(all);
      if (all.length === 0) return run.say('No items.');
      const now = run.ctx.nowMs();
      run.print(
        table(
          ['ITEM', 'PAT', 'OWNER', 'SCOPES', 'LAST USED', 'USES 30D', 'EXPIRES', 'OUTCOME'],
          visible(all).map((item) => [
            item.id,
            item.pat.name,
            item.owner.login,
            item.pat.scope.join(' '),
            item.pat.lastUsed ? relativeTime(item.pat.lastUsed, now) : 'never',
            String(uses(item)),
            item.pat.expirationDate ? relativeTime(item.pat.expirationDate, now) : 'never',
            outcomeText(item.outcome, run.out),
          ]),
          { bold: run.out.bold, maxWidth: run.width, shrinkable: [3, 1] },
        ),
      );
    });

  review
    .command('decide')
    .description('Certify or revoke one item, with a comment; a revocation takes effect at once')
    .argument('<id>', 'the campaign id (rev_…)')
    .argument('<item>', 'the item id (rvi_…), as `patina review items` shows')
    .option('--certify', 'the PAT is still needed: keep it')
    .option('--revoke', 'the PAT is no longer needed: revoke it now')
    .requiredOption('--comment <text>', 'why, for the auditor (required)')
    .option(
      '--expiration-date <when>',
      'with --certify: an earlier expiry for the PAT (30d, 2027-01-31)',
    )
    .addHelpText(
      'after',
      example(
        `patina review decide ${REVIEW} ${ITEM} --certify --comment 'Still needed' --expiration-date 90d`,
        `patina review decide ${REVIEW} ${ITEM} --revoke --comment 'Owner left the team'`,
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkReviewId(args[0] as string);
      const itemId = checkItemId(args[1] as string);
      const flags = args[2] as {
        certify?: boolean;
        revoke?: boolean;
        comment: string;
        expirationDate?: string;
      };
      if (Boolean(flags.certify) === Boolean(flags.revoke)) {
        throw usageError('Give one of --certify and --revoke');
      }
      if (flags.revoke && flags.expirationDate !== undefined) {
        throw usageError('--expiration-date goes with --certify only');
      }
      const body: ReviewDecisionRequest = {
        decision: flags.certify ? 'certify' : 'revoke',
        comment: flags.comment,
        ...(flags.expirationDate !== undefined && {
          expirationDate: futureInstant(flags.expirationDate, '--expiration-date', run.ctx.nowMs()),
        }),
      };
      const decided = await run.client().accessReviews.decide(id, itemId, body);
      if (run.json) return run.printJson(decided);
      const shown = visible(decided);
      const what = shown.decision === 'revoke' ? 'Revoked' : 'Certified';
      const until = shown.expirationDate ? `; it now expires ${shown.expirationDate}` : '';
      run.say(`${what} ${shown.pat.name} (${shown.pat.id}) of ${shown.owner.login}${until}.`);
    });

  review
    .command('create')
    .description('Start a campaign over live PATs (administrators)')
    .argument('<name>', 'a name for people')
    .requiredOption(
      '--reviewers <who>',
      "owner (each PAT's owner), manager (the owner's manager), or identity ids, comma-separated",
    )
    .requiredOption('--deadline <when>', 'a span (14d) or a date (2027-01-31)')
    .option('--scope <scope...>', 'only PATs with one of these scopes (a trailing * is a prefix)')
    .option('--unused-for-days <n>', 'only PATs not used for this many days')
    .option('--owner-role <role...>', 'only PATs whose owner holds one of these roles')
    .addOption(
      new Option('--when-undecided <what>', 'what happens at the deadline to undecided items')
        .choices(WHEN_UNDECIDED)
        .default('revoke'),
    )
    .option('--every <days>', 'recurring: start again this many days later (90d)')
    .addHelpText(
      'after',
      example(
        "patina review create 'Q3 payments tokens' --reviewers owner --deadline 14d --scope 'payments:*'",
        "patina review create 'Stale tokens' --reviewers manager --deadline 30d --unused-for-days 90 --every 90d",
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const name = args[0] as string;
      const flags = args[1] as {
        reviewers: string;
        deadline: string;
        scope?: string[];
        unusedForDays?: string;
        ownerRole?: string[];
        whenUndecided: WhenUndecided;
        every?: string;
      };
      const selection: CreateAccessReviewRequest['selection'] = {
        ...(flags.scope && { scopes: flags.scope }),
        ...(flags.ownerRole && { ownerRoles: flags.ownerRole }),
      };
      if (flags.unusedForDays !== undefined) {
        const days = Number(flags.unusedForDays);
        if (!Number.isInteger(days) || days < 1) {
          throw usageError('--unused-for-days must be a whole number above 0');
        }
        selection.unusedForDays = days;
      }
      const body: CreateAccessReviewRequest = {
        name,
        selection,
        reviewers: reviewersOf(flags.reviewers),
        deadline: futureInstant(flags.deadline, '--deadline', run.ctx.nowMs()),
        whenUndecided: flags.whenUndecided,
        ...(flags.every !== undefined && { every: flags.every }),
      };
      const created = await run.client().accessReviews.create(body);
      if (run.json) return run.printJson(created);
      const shown = visible(created);
      run.say(
        `Started ${shown.name} (${shown.id}): ${shown.progress.total} PATs to review by ${shown.deadline}.`,
      );
    });

  review
    .command('close')
    .description('Close a campaign now: undecided items are revoked or kept as it says')
    .argument('<id>', 'the campaign id (rev_…)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', example(`patina review close ${REVIEW} --yes`))
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkReviewId(args[0] as string);
      const { yes } = args[1] as { yes?: boolean };
      const client = run.client();
      if (!yes) {
        if (!run.ctx.stdin.isTTY) {
          throw usageError('Refusing to close without confirmation: pass --yes');
        }
        const found = visible(await client.accessReviews.get(id));
        const sure = await confirm(
          run.ctx,
          `Close ${found.name} (${found.id})? Its ${found.progress.pending} undecided items will be ` +
            (found.whenUndecided === 'revoke' ? 'revoked at once.' : 'kept.'),
        );
        if (!sure) throw new CliError('Not closed.');
      }
      const closed = await client.accessReviews.close(id);
      if (run.json) return run.printJson(closed);
      const shown = visible(closed);
      run.say(
        `Closed ${shown.name} (${shown.id}): ${shown.progress.certified} certified, ` +
          `${shown.progress.revoked} revoked of ${shown.progress.total}.`,
      );
    });

  review
    .command('report')
    .description('The report of a campaign for an auditor: a summary, or JSON, or CSV')
    .argument('<id>', 'the campaign id (rev_…)')
    .option('--csv', 'CSV on stdout (one line per item)')
    .addHelpText(
      'after',
      example(
        `patina review report ${REVIEW} --csv > review.csv`,
        `patina review report ${REVIEW} --json`,
      ),
    )
    .action(async (...args: unknown[]) => {
      const run = runOf(ctx, args);
      const id = checkReviewId(args[0] as string);
      const { csv } = args[1] as { csv?: boolean };
      if (csv && run.json) throw usageError('--csv and --json cannot go together');
      const client = run.client();
      if (csv) {
        // As the server wrote it, for a file; on a terminal, its names shown but never obeyed.
        const text = await client.accessReviews.reportCsv(id);
        run.ctx.stdout.write(
          run.ctx.stdout.isTTY ? text.split(/\r?\n/).map(escapeInvisible).join('\n') : text,
        );
        return;
      }
      const report = await client.accessReviews.report(id);
      if (run.json) return run.printJson(report);
      const shown = visible(report);
      const now = run.ctx.nowMs();
      run.print(
        fields(
          [...reviewFields(shown.review, now, run.out), ['Generated', shown.generatedAt]],
          run.out.dim,
        ) +
          '\n' +
          table(
            ['ITEM', 'PAT', 'OWNER', 'OUTCOME', 'DECIDED BY', 'COMMENT'],
            shown.items.map((item) => [
              item.id,
              item.pat.name,
              item.owner.login,
              outcomeText(item.outcome, run.out),
              item.decidedBy?.name ?? '-',
              item.comment ?? '',
            ]),
            { bold: run.out.bold, maxWidth: run.width, shrinkable: [5, 1] },
          ),
      );
    });

  return review;
}

function checkReviewId(id: string): string {
  if (!hasPrefixedIdShape(id, ACCESS_REVIEW_ID_PREFIX)) {
    throw usageError(
      'That is not a campaign id (rev_ and 32 hex digits, as `patina review list` shows)',
    );
  }
  return id;
}

function checkItemId(id: string): string {
  if (!hasPrefixedIdShape(id, ACCESS_REVIEW_ITEM_ID_PREFIX)) {
    throw usageError(
      'That is not an item id (rvi_ and 32 hex digits, as `patina review items` shows)',
    );
  }
  return id;
}

/** `owner`, `manager`, or identity ids separated by commas. */
function reviewersOf(text: string): CreateAccessReviewRequest['reviewers'] {
  const lower = text.trim().toLowerCase();
  if (lower === 'owner' || lower === 'manager') return lower === 'owner' ? 'OWNER' : 'MANAGER';
  const ids = text.split(',').map((id) => id.trim());
  if (ids.length === 0 || !ids.every((id) => isIdShaped(id))) {
    throw usageError('--reviewers must be owner, manager, or identity ids separated by commas');
  }
  return ids;
}

function reviewFields(review: AccessReview, now: number, paint: Colours): [string, string][] {
  const { selection, progress } = review;
  const selected = [
    selection.scopes && `scopes ${selection.scopes.join(' ')}`,
    selection.unusedForDays !== undefined && `unused for ${selection.unusedForDays} days`,
    selection.ownerRoles && `owners with role ${selection.ownerRoles.join(' or ')}`,
  ].filter(Boolean);
  const entries: [string, string][] = [
    ['Campaign', `${review.name} (${review.id})`],
    ['Status', review.status],
    ['Reviews', selected.length === 0 ? 'every live PAT' : selected.join('; ')],
    [
      'Reviewers',
      typeof review.reviewers === 'string'
        ? review.reviewers === 'OWNER'
          ? "each PAT's owner"
          : "each owner's manager"
        : review.reviewers.join(' '),
    ],
    ['Deadline', `${review.deadline} (${deadline(review, now, paint)})`],
    ['Undecided', review.whenUndecided === 'revoke' ? 'revoked at the deadline' : 'kept'],
    [
      'Progress',
      `${progress.decided}/${progress.total} decided: ${progress.certified} certified, ` +
        `${progress.revoked} revoked, ${progress.pending} pending`,
    ],
    ['Started', `${review.created} by ${review.createdBy.name}`],
  ];
  if (review.every) entries.push(['Recurs', `every ${review.every.replace(/d$/, ' days')}`]);
  if (review.closedAt) entries.push(['Closed', review.closedAt]);
  return entries;
}

function deadline(review: AccessReview, now: number, paint: Colours): string {
  const when = relativeTime(review.deadline, now);
  if (review.status === 'CLOSED') return when;
  return Date.parse(review.deadline) - now < 3 * 86_400_000 ? paint.yellow(when) : when;
}

function outcomeText(outcome: ReviewItemOutcome, paint: Colours): string {
  if (outcome === 'REVOKED' || outcome === 'AUTO_REVOKED') return paint.red(outcome);
  if (outcome === 'PENDING') return paint.yellow(outcome);
  return outcome;
}

/** Exchanges of the last 30 days, from the item's evidence. */
function uses(item: AccessReviewItem): number {
  // Declared by reference (Type.Ref) in the contract: unknown to TypeScript, UsageDay on the wire.
  const usage = item.evidence.usage as UsageDay[];
  return usage.reduce((sum, day) => sum + day.succeeded, 0);
}
