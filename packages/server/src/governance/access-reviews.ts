import {
  ACCESS_REVIEW_ID_PREFIX,
  ACCESS_REVIEW_ITEM_ID_PREFIX,
  ERROR_WIRE,
  hasPrefixedIdShape,
  MAX_REVIEW_ITEMS,
  type AccessReview,
  type AccessReviewItem,
  type AccessReviewReport,
  type AccessReviewSelection,
  type AccessReviewStatus,
  type BulkReviewDecisionRequest,
  type CreateAccessReviewRequest,
  type ReviewDecisionRequest,
  type ReviewItemOutcome,
  type Reviewers,
  type WhenUndecided,
} from '@patina/contract';
import { authorize, may, missingRight, refuseDelegated } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { parseDateTime } from '../core/date-time.js';
import { illegalValue, notFound, PatinaError, requiredMissing } from '../core/errors.js';
import { cleanText } from '../core/free-text.js';
import { randomHexId } from '../core/ids.js';
import { echo } from '../core/redact.js';
import { DAY_MS } from '../core/time.js';
import type { RightsModel } from '../identities/rights.js';
import type {
  AccessReviewItemRecord,
  AccessReviewRecord,
} from '../storage/access-reviews-repository.js';
import type { Storage } from '../storage/repositories.js';
import { presentItems, presentReview } from './review-presentation.js';
import { reviewCsv } from './review-report-csv.js';
import { decideItem, settleItems, stateConflict } from './review-decisions.js';
import { checkSelection, reviewersFor, selectPats } from './review-selection.js';

/** Reviewer ids an audit event lists at most (details.reviewerIds). */
export const MAX_AUDITED_REVIEWERS = 200;
/** Undecided items handled per transaction when a campaign closes. */
const SETTLE_BATCH = 200;

/** What a campaign is made of, whether an administrator asked or it recurred. */
export interface CampaignSpec {
  name: string;
  selection: AccessReviewSelection;
  reviewers: Reviewers;
  deadline: string;
  whenUndecided: WhenUndecided;
  everyDays: number | null;
}

/** A recurrence being started: the campaign it recurs from and the next start it hands on. */
export interface Recurrence {
  previousId: string;
  /** The previous campaign's next_start_at as read: the claim holds only if it is unchanged. */
  claimedStartAt: string;
}

export interface PageRequest {
  limit: number;
  offset: number;
  withTotal: boolean;
}

/**
 * Access reviews (certification campaigns, docs/governance.md): an administrator (all-manage)
 * starts one over a selection of live PATs; each item goes to its reviewers (the owner, the
 * owner's manager, or named identities), who certify it (optionally shortening its expiry) or
 * revoke it. Revocation goes through revokePat, in the decision's transaction, so the liveness
 * caches, Shared Signals and webhooks follow as for any revocation. At the deadline (or a
 * close by hand) undecided items are revoked or kept per the campaign; the sweep
 * (access-review-sweep.ts) closes, reminds and recurs.
 */
export class AccessReviewService {
  constructor(
    private readonly deps: {
      storage: Storage;
      audit: AuditLog;
      clock: Clock;
      rights: RightsModel;
      /** accessReviews.reminderDaysBefore: thresholds already passed at the start count as sent. */
      reminderDaysBefore: readonly number[];
    },
  ) {}

  async create(ctx: RequestContext, input: CreateAccessReviewRequest): Promise<AccessReview> {
    authorize(ctx, 'manageAll', 'Starting an access review');
    refuseDelegated(ctx, 'Starting an access review');
    const now = this.deps.clock.now();
    const spec: CampaignSpec = {
      name: checkName(input.name),
      selection: checkSelection(input.selection ?? {}, this.deps.rights),
      reviewers: input.reviewers,
      deadline: checkDeadline(input.deadline, now),
      whenUndecided: input.whenUndecided ?? 'revoke',
      everyDays: input.every === undefined ? null : Number(input.every.slice(0, -1)),
    };
    if (Array.isArray(spec.reviewers)) await this.#checkNamedReviewers(spec.reviewers);
    const createdBy =
      ctx.actor.kind === 'user'
        ? { id: ctx.actor.identityId, name: ctx.actor.identityName }
        : { id: null, name: ctx.actor.name };
    const nextStartAt =
      spec.everyDays === null ? null : new Date(now.getTime() + spec.everyDays * DAY_MS);
    const record = await this.start(ctx, spec, {
      createdBy,
      nextStartAt: nextStartAt?.toISOString() ?? null,
    });
    if (!record) throw new Error('A campaign started by hand has no recurrence to lose');
    return presentReview(record, await this.deps.storage.repos.accessReviews.progress(record.id));
  }

  /**
   * Starts a campaign: selects the PATs (reads, outside the transaction), then writes the
   * campaign, its items and their reviewers and the ACCESS_REVIEW_STARTED event in one
   * transaction. With `recurrence`, the previous campaign's next start is claimed in that same
   * transaction; undefined when another node claimed it first (nothing is written then).
   */
  async start(
    ctx: RequestContext,
    spec: CampaignSpec,
    options: {
      createdBy: { id: string | null; name: string };
      nextStartAt: string | null;
      recurrence?: Recurrence;
    },
  ): Promise<AccessReviewRecord | undefined> {
    const now = this.deps.clock.now();
    const nowIso = now.toISOString();
    const repo = this.deps.storage.repos.accessReviews;
    const pats = await selectPats(repo, spec.selection, now);
    const managers = pats.flatMap((pat) => (pat.ownerManagerId ? [pat.ownerManagerId] : []));
    const active =
      spec.reviewers === 'MANAGER'
        ? await repo.activeIdentities([...new Set(managers)])
        : new Set<string>();
    const id = ACCESS_REVIEW_ID_PREFIX + randomHexId();
    const deadlineMs = Date.parse(spec.deadline);
    const record: AccessReviewRecord = {
      id,
      name: spec.name,
      status: 'OPEN',
      selection: spec.selection,
      reviewers: spec.reviewers,
      deadline: spec.deadline,
      whenUndecided: spec.whenUndecided,
      everyDays: spec.everyDays,
      nextStartAt: options.nextStartAt,
      previousId: options.recurrence?.previousId ?? null,
      // A reminder whose moment passed before the campaign started would only repeat the start.
      remindersSent: [...this.deps.reminderDaysBefore]
        .filter((days) => now.getTime() >= deadlineMs - days * DAY_MS)
        .sort((a, b) => b - a),
      createdById: options.createdBy.id,
      createdByName: options.createdBy.name,
      created: nowIso,
      closedAt: null,
    };
    const items = pats.map((pat) => ({
      id: ACCESS_REVIEW_ITEM_ID_PREFIX + randomHexId(),
      reviewId: id,
      patId: pat.id,
      patName: pat.name,
      ownerId: pat.ownerId,
      outcome: 'PENDING' as const,
      decision: null,
      decidedById: null,
      decidedByName: null,
      decidedAt: null,
      comment: null,
      expirationDate: null,
      reviewerIds: reviewersFor(pat, spec.reviewers, {
        creatorId: options.createdBy.id,
        active,
      }),
    }));
    const reviewerIds = [...new Set(items.flatMap((item) => item.reviewerIds))].sort();
    return this.deps.storage.transaction(async (repos) => {
      const recurrence = options.recurrence;
      if (
        recurrence &&
        !(await repos.accessReviews.claimRecurrence(
          recurrence.previousId,
          recurrence.claimedStartAt,
        ))
      ) {
        return undefined;
      }
      await repos.accessReviews.insert(record, items);
      await this.deps.audit.record(repos, {
        type: 'ACCESS_REVIEW_STARTED',
        context: ctx.audit,
        target: { type: 'ACCESS_REVIEW', id, name: record.name },
        at: now,
        details: {
          items: items.length,
          deadline: record.deadline,
          whenUndecided: record.whenUndecided,
          reviewerIds: reviewerIds.slice(0, MAX_AUDITED_REVIEWERS),
          ...(record.previousId !== null && { previousId: record.previousId }),
        },
      });
      return record;
    });
  }

  async list(
    ctx: RequestContext,
    query: { status?: string | undefined } & PageRequest,
  ): Promise<{ items: AccessReview[]; total: number | undefined }> {
    const repo = this.deps.storage.repos.accessReviews;
    const filter = {
      status: query.status?.toUpperCase() as AccessReviewStatus | undefined,
      visibleTo: may(ctx.actor, 'readAll') ? undefined : (identityOf(ctx) ?? ''),
    };
    const records = await repo.list({ ...filter, limit: query.limit, offset: query.offset });
    const progress = await repo.progressOf(records.map((r) => r.id));
    return {
      items: records.map((r) => presentReview(r, progress.get(r.id)!)),
      total: query.withTotal ? await repo.count(filter) : undefined,
    };
  }

  async get(ctx: RequestContext, id: string): Promise<AccessReview> {
    const record = await this.#visible(ctx, id);
    return presentReview(record, await this.deps.storage.repos.accessReviews.progress(id));
  }

  /**
   * A page of a campaign's items. Administrators (all-read) see every item and may filter by
   * any reviewer; a reviewer sees only the items it may decide.
   */
  async items(
    ctx: RequestContext,
    id: string,
    query: { reviewer?: string | undefined; outcome?: ReviewItemOutcome | undefined } & PageRequest,
  ): Promise<{ items: AccessReviewItem[]; total: number | undefined }> {
    const review = await this.#visible(ctx, id);
    const me = identityOf(ctx);
    let reviewerId = query.reviewer === 'me' ? (me ?? '') : query.reviewer;
    if (!may(ctx.actor, 'readAll')) {
      if (reviewerId !== undefined && reviewerId !== me) {
        throw missingRight('readAll', 'Listing the items of another reviewer');
      }
      reviewerId = me ?? '';
    }
    const repos = this.deps.storage.repos;
    const filter = { reviewId: review.id, reviewerId, outcome: query.outcome };
    const records = await repos.accessReviews.items({
      ...filter,
      limit: query.limit,
      offset: query.offset,
    });
    return {
      items: await presentItems(repos, records, this.deps.clock.now()),
      total: query.withTotal ? await repos.accessReviews.countItems(filter) : undefined,
    };
  }

  /** One decision; 409 when the item was decided already or the campaign is closed. */
  async decide(
    ctx: RequestContext,
    id: string,
    itemId: string,
    body: ReviewDecisionRequest,
  ): Promise<AccessReviewItem> {
    refuseDelegated(ctx, 'Deciding an access review item');
    const review = await this.#visible(ctx, id);
    return decideItem(this.deps, ctx, review, await this.#decidable(ctx, review, itemId), body);
  }

  /** Several decisions, each on its own: one refused leaves the others decided. */
  async decideMany(
    ctx: RequestContext,
    id: string,
    body: BulkReviewDecisionRequest,
  ): Promise<{
    results: { itemId: string; status: number; message?: string; item?: AccessReviewItem }[];
  }> {
    refuseDelegated(ctx, 'Deciding access review items');
    const review = await this.#visible(ctx, id);
    const results = [];
    for (const { itemId, ...decision } of body.decisions) {
      try {
        const item = await decideItem(
          this.deps,
          ctx,
          review,
          await this.#decidable(ctx, review, itemId),
          decision,
        );
        results.push({ itemId, status: 200, item });
      } catch (error) {
        if (!(error instanceof PatinaError)) throw error;
        results.push({ itemId, status: ERROR_WIRE[error.code].status, message: error.message });
      }
    }
    return { results };
  }

  /** Closes an OPEN campaign now: undecided items are revoked or kept per whenUndecided. */
  async close(ctx: RequestContext, id: string): Promise<AccessReview> {
    authorize(ctx, 'manageAll', 'Closing an access review');
    const review = await this.#find(id);
    if (review.status === 'CLOSED' || !(await this.closeRecord(ctx, review))) {
      throw stateConflict('The access review is closed already');
    }
    return this.get(ctx, id);
  }

  /**
   * Handles the undecided items of `review` (a batch per transaction: AUTO_REVOKED or KEPT, GONE
   * when the PAT is deleted already), then marks it CLOSED with its ACCESS_REVIEW_CLOSED event.
   * Each write is conditional, so two nodes closing at once handle each item once and record
   * one event; false for the one that found it closed.
   */
  async closeRecord(ctx: RequestContext, review: AccessReviewRecord): Promise<boolean> {
    const repos = this.deps.storage.repos;
    for (;;) {
      const batch = await repos.accessReviews.pendingItems(review.id, SETTLE_BATCH);
      if (batch.length === 0) break;
      await this.deps.storage.transaction((trx) => settleItems(this.deps, ctx, trx, review, batch));
    }
    const now = this.deps.clock.now();
    return this.deps.storage.transaction(async (trx) => {
      if (!(await trx.accessReviews.close(review.id, now.toISOString()))) return false;
      // A decision that raced the last batch cannot leave an item PENDING, but be sure.
      await settleItems(
        this.deps,
        ctx,
        trx,
        review,
        await trx.accessReviews.pendingItems(review.id, MAX_REVIEW_ITEMS),
      );
      const outcomes = (await trx.accessReviews.outcomesOf([review.id])).get(review.id) ?? {};
      await this.deps.audit.record(trx, {
        type: 'ACCESS_REVIEW_CLOSED',
        context: ctx.audit,
        target: { type: 'ACCESS_REVIEW', id: review.id, name: review.name },
        at: now,
        details: { outcomes, whenUndecided: review.whenUndecided },
      });
      return true;
    });
  }

  /** The campaign and every item, for an auditor (all-read). */
  async report(ctx: RequestContext, id: string): Promise<AccessReviewReport> {
    authorize(ctx, 'readAll', "Reading an access review's report");
    const record = await this.#find(id);
    const repos = this.deps.storage.repos;
    const now = this.deps.clock.now();
    const total = await repos.accessReviews.countItems({ reviewId: id });
    const records = await repos.accessReviews.items({ reviewId: id, limit: total, offset: 0 });
    return {
      review: presentReview(record, await repos.accessReviews.progress(id)),
      generatedAt: now.toISOString(),
      items: await presentItems(repos, records, now),
    };
  }

  /** The report's items as CSV (ACCESS_REVIEW_CSV_COLUMNS). */
  async reportCsv(ctx: RequestContext, id: string): Promise<{ filename: string; csv: string }> {
    const report = await this.report(ctx, id);
    return { filename: `access-review-${report.review.id}.csv`, csv: reviewCsv(report.items) };
  }

  /** The campaign, if the caller may see it: all-read sees every one, a reviewer its own. */
  async #visible(ctx: RequestContext, id: string): Promise<AccessReviewRecord> {
    const record = await this.#find(id);
    if (may(ctx.actor, 'readAll')) return record;
    const me = identityOf(ctx);
    if (me !== null && (await this.deps.storage.repos.accessReviews.reviewsIn(id, me))) {
      return record;
    }
    throw reviewNotFound(id);
  }

  /** The item, if the caller may decide it: one of its reviewers, or all-manage. */
  async #decidable(
    ctx: RequestContext,
    review: AccessReviewRecord,
    itemId: string,
  ): Promise<AccessReviewItemRecord> {
    const repo = this.deps.storage.repos.accessReviews;
    const item = hasPrefixedIdShape(itemId, ACCESS_REVIEW_ITEM_ID_PREFIX)
      ? await repo.findItem(review.id, itemId)
      : undefined;
    if (!item) {
      throw notFound(
        hasPrefixedIdShape(itemId, ACCESS_REVIEW_ITEM_ID_PREFIX)
          ? `Access review item '${itemId}' was not found in this access review`
          : 'Access review item was not found: the id is rvi_ and 32 lowercase hex characters',
      );
    }
    if (may(ctx.actor, 'manageAll')) return item;
    const me = identityOf(ctx);
    if (me !== null && (await repo.isReviewer(item.id, me))) return item;
    throw new PatinaError(
      'FORBIDDEN',
      'Only a reviewer of this item, or an administrator with sp:all-personal-access-tokens:manage, may decide it',
    );
  }

  async #find(id: string): Promise<AccessReviewRecord> {
    const record = hasPrefixedIdShape(id, ACCESS_REVIEW_ID_PREFIX)
      ? await this.deps.storage.repos.accessReviews.findById(id)
      : undefined;
    if (!record) throw reviewNotFound(id);
    return record;
  }

  async #checkNamedReviewers(ids: readonly string[]): Promise<void> {
    const active = await this.deps.storage.repos.accessReviews.activeIdentities(ids);
    const missing = ids.find((id) => !active.has(id));
    if (missing !== undefined) {
      throw illegalValue('reviewers', `'reviewers' names no active identity: '${echo(missing)}'`);
    }
  }
}

function reviewNotFound(id: string): PatinaError {
  return notFound(
    hasPrefixedIdShape(id, ACCESS_REVIEW_ID_PREFIX)
      ? `Access review '${id}' was not found`
      : 'Access review was not found: the id is rev_ and 32 lowercase hex characters',
  );
}

function identityOf(ctx: RequestContext): string | null {
  return ctx.actor.kind === 'user' ? ctx.actor.identityId : null;
}

function checkName(raw: string): string {
  const name = cleanText('name', raw).trim();
  if (name === '') throw requiredMissing('name');
  return name;
}

function checkDeadline(raw: string, now: Date): string {
  const parsed = parseDateTime(raw);
  if (!parsed.ok) {
    throw illegalValue(
      'deadline',
      "'deadline' must be an RFC 3339 date-time with an offset, e.g. 2026-07-11T18:00:00Z",
    );
  }
  if (parsed.iso <= now.toISOString()) {
    throw illegalValue('deadline', "'deadline' must be in the future");
  }
  return parsed.iso;
}
