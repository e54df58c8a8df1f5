import type {
  AccessReviewSelection,
  AccessReviewStatus,
  IdentityStatus,
  ReviewDecision,
  ReviewItemOutcome,
  Reviewers,
  WhenUndecided,
} from '@patina/contract';
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { AccessReviewItemsTable, AccessReviewsTable } from './governance-tables.js';
import { parseStringArray } from './json.js';

/** A certification campaign as stored (docs/governance.md). */
export interface AccessReviewRecord {
  id: string;
  name: string;
  status: AccessReviewStatus;
  selection: AccessReviewSelection;
  reviewers: Reviewers;
  deadline: string;
  whenUndecided: WhenUndecided;
  everyDays: number | null;
  nextStartAt: string | null;
  previousId: string | null;
  /** The reminderDaysBefore thresholds already sent (or passed when the campaign started). */
  remindersSent: number[];
  createdById: string | null;
  createdByName: string;
  created: string;
  closedAt: string | null;
}

/** One PAT of a campaign, as stored; its evidence is read from the PAT when shown. */
export interface AccessReviewItemRecord {
  id: string;
  reviewId: string;
  patId: string;
  patName: string;
  ownerId: string;
  outcome: ReviewItemOutcome;
  decision: ReviewDecision | null;
  decidedById: string | null;
  decidedByName: string | null;
  decidedAt: string | null;
  comment: string | null;
  expirationDate: string | null;
}

export interface AccessReviewProgress {
  total: number;
  decided: number;
  certified: number;
  revoked: number;
  pending: number;
}

/** A live PAT a campaign may select, with what the selection and the reviewers need. */
export interface ReviewCandidate {
  id: string;
  name: string;
  scope: string[];
  managed: boolean;
  ownerId: string;
  ownerStatus: IdentityStatus;
  ownerRoles: string[];
  ownerManagerId: string | null;
}

/** A PAT as an item shows it, deleted ones too (the row stays when a PAT is deleted). */
export interface ReviewedPat {
  id: string;
  name: string;
  scope: string[];
  created: string;
  lastUsed: string | null;
  expirationDate: string | null;
  managed: boolean;
  deletedAt: string | null;
  ownerId: string;
  ownerName: string;
  ownerLogin: string;
}

export interface ItemQuery {
  reviewId: string;
  /** Only items this identity may decide. */
  reviewerId?: string | undefined;
  outcome?: ReviewItemOutcome | undefined;
}

/** A decision as written: the item's outcome and who decided it. */
export interface ItemDecision {
  itemId: string;
  outcome: ReviewItemOutcome;
  decision: ReviewDecision | null;
  decidedById: string | null;
  decidedByName: string | null;
  decidedAt: string;
  comment: string | null;
  expirationDate: string | null;
}

/** Rows per INSERT, ids per IN list: far below SQLite's and PostgreSQL's bound-parameter limits. */
const ROWS_PER_STATEMENT = 500;

/**
 * Certification campaigns, their items and each item's reviewers (migration 0016): the only
 * code that writes SQL for these tables. Every state change is one conditional UPDATE (an item
 * PENDING, a campaign OPEN, a reminder not yet sent, a recurrence not yet started), so two
 * nodes doing the same thing at once do it once and the other learns it from the row count.
 */
export class AccessReviewsRepository {
  constructor(private readonly db: Db) {}

  /** A campaign with its items and their reviewers; run it inside the caller's transaction. */
  async insert(
    review: AccessReviewRecord,
    items: readonly (AccessReviewItemRecord & { reviewerIds: readonly string[] })[],
  ): Promise<void> {
    await this.db.insertInto('access_reviews').values(toRow(review)).execute();
    for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
      const chunk = items.slice(start, start + ROWS_PER_STATEMENT);
      await this.db.insertInto('access_review_items').values(chunk.map(toItemRow)).execute();
    }
    const reviewers = items.flatMap((item) =>
      [...new Set(item.reviewerIds)].map((identityId) => ({
        item_id: item.id,
        review_id: review.id,
        identity_id: identityId,
      })),
    );
    for (let start = 0; start < reviewers.length; start += ROWS_PER_STATEMENT) {
      await this.db
        .insertInto('access_review_reviewers')
        .values(reviewers.slice(start, start + ROWS_PER_STATEMENT))
        .execute();
    }
  }

  /** The campaign, camelCase; undefined when there is none. */
  async findById(id: string): Promise<AccessReviewRecord | undefined> {
    const row = await this.db
      .selectFrom('access_reviews')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** A page of campaigns, newest first; `visibleTo`: only those where it reviews an item. */
  async list(query: {
    status?: AccessReviewStatus | undefined;
    visibleTo?: string | undefined;
    limit: number;
    offset: number;
  }): Promise<AccessReviewRecord[]> {
    const rows = await this.#listed(query)
      .selectAll()
      .orderBy('created', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return rows.map(toRecord);
  }

  async count(query: {
    status?: AccessReviewStatus | undefined;
    visibleTo?: string | undefined;
  }): Promise<number> {
    const row = await this.#listed(query)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  #listed(query: { status?: AccessReviewStatus | undefined; visibleTo?: string | undefined }) {
    let base = this.db.selectFrom('access_reviews');
    if (query.status) base = base.where('status', '=', query.status);
    const visibleTo = query.visibleTo;
    if (visibleTo !== undefined) {
      base = base.where('id', 'in', (eb) =>
        eb
          .selectFrom('access_review_reviewers')
          .select('review_id')
          .where('identity_id', '=', visibleTo),
      );
    }
    return base;
  }

  /** Whether `identityId` reviews at least one item of the campaign. */
  async reviewsIn(reviewId: string, identityId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('access_review_reviewers')
      .select('item_id')
      .where('identity_id', '=', identityId)
      .where('review_id', '=', reviewId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Counts of the campaign's items: every item, decided by a reviewer, certified, revoked, pending. */
  async progress(id: string): Promise<AccessReviewProgress> {
    return (await this.progressOf([id])).get(id) ?? emptyProgress();
  }

  /** progress() of several campaigns in one query; every id asked for has an entry. */
  async progressOf(ids: readonly string[]): Promise<Map<string, AccessReviewProgress>> {
    const found = new Map<string, AccessReviewProgress>(ids.map((id) => [id, emptyProgress()]));
    const counts = await this.outcomesOf(ids);
    for (const [id, outcomes] of counts) {
      const progress = found.get(id);
      if (!progress) continue;
      for (const [outcome, n] of Object.entries(outcomes) as [ReviewItemOutcome, number][]) {
        progress.total += n;
        if (outcome === 'CERTIFIED' || outcome === 'REVOKED') progress.decided += n;
        if (outcome === 'CERTIFIED') progress.certified += n;
        if (outcome === 'REVOKED' || outcome === 'AUTO_REVOKED') progress.revoked += n;
        if (outcome === 'PENDING') progress.pending += n;
      }
    }
    return found;
  }

  /** Items per outcome of each campaign (only outcomes that occur). */
  async outcomesOf(
    ids: readonly string[],
  ): Promise<Map<string, Partial<Record<ReviewItemOutcome, number>>>> {
    const found = new Map<string, Partial<Record<ReviewItemOutcome, number>>>();
    for (let start = 0; start < ids.length; start += ROWS_PER_STATEMENT) {
      const rows = await this.db
        .selectFrom('access_review_items')
        .select(['review_id', 'outcome', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('review_id', 'in', ids.slice(start, start + ROWS_PER_STATEMENT))
        .groupBy(['review_id', 'outcome'])
        .execute();
      for (const row of rows) {
        const outcomes = found.get(row.review_id) ?? {};
        outcomes[row.outcome as ReviewItemOutcome] = Number(row.n);
        found.set(row.review_id, outcomes);
      }
    }
    return found;
  }

  /** A page of a campaign's items, in the order they were made (by PAT id). */
  async items(
    query: ItemQuery & { limit: number; offset: number },
  ): Promise<AccessReviewItemRecord[]> {
    const rows = await this.#items(query)
      .selectAll()
      .orderBy('pat_id')
      .orderBy('id')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return rows.map(toItemRecord);
  }

  async countItems(query: ItemQuery): Promise<number> {
    const row = await this.#items(query)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  #items(query: ItemQuery) {
    let base = this.db.selectFrom('access_review_items').where('review_id', '=', query.reviewId);
    if (query.outcome) base = base.where('outcome', '=', query.outcome);
    const reviewerId = query.reviewerId;
    if (reviewerId !== undefined) {
      base = base.where('id', 'in', (eb) =>
        eb
          .selectFrom('access_review_reviewers')
          .select('item_id')
          .where('identity_id', '=', reviewerId)
          .where('review_id', '=', query.reviewId),
      );
    }
    return base;
  }

  async findItem(reviewId: string, itemId: string): Promise<AccessReviewItemRecord | undefined> {
    const row = await this.db
      .selectFrom('access_review_items')
      .selectAll()
      .where('id', '=', itemId)
      .where('review_id', '=', reviewId)
      .executeTakeFirst();
    return row && toItemRecord(row);
  }

  /** The reviewers of each item, with their names; every id asked for has an entry. */
  async reviewersOf(
    itemIds: readonly string[],
  ): Promise<Map<string, { id: string; name: string }[]>> {
    const found = new Map<string, { id: string; name: string }[]>(itemIds.map((id) => [id, []]));
    for (let start = 0; start < itemIds.length; start += ROWS_PER_STATEMENT) {
      const rows = await this.db
        .selectFrom('access_review_reviewers as r')
        .leftJoin('identities as i', 'i.id', 'r.identity_id')
        .select(['r.item_id', 'r.identity_id', 'i.name'])
        .where('r.item_id', 'in', itemIds.slice(start, start + ROWS_PER_STATEMENT))
        .orderBy('r.item_id')
        .orderBy('r.identity_id')
        .execute();
      for (const row of rows) {
        found.get(row.item_id)?.push({ id: row.identity_id, name: row.name ?? '' });
      }
    }
    return found;
  }

  /** Whether `identityId` may decide the item. */
  async isReviewer(itemId: string, identityId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('access_review_reviewers')
      .select('item_id')
      .where('item_id', '=', itemId)
      .where('identity_id', '=', identityId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Writes the outcome of a PENDING item of an OPEN campaign; false when it was decided already
   * or the campaign closed (someone else got there first; two nodes deciding it: one wins).
   */
  async decide(decision: ItemDecision, options: { requireOpen: boolean }): Promise<boolean> {
    let update = this.db
      .updateTable('access_review_items')
      .set({
        outcome: decision.outcome,
        decision: decision.decision,
        decided_by_id: decision.decidedById,
        decided_by_name: decision.decidedByName,
        decided_at: decision.decidedAt,
        comment: decision.comment,
        expiration_date: decision.expirationDate,
      })
      .where('id', '=', decision.itemId)
      .where('outcome', '=', 'PENDING');
    if (options.requireOpen) {
      update = update.where('review_id', 'in', (eb) =>
        eb.selectFrom('access_reviews').select('id').where('status', '=', 'OPEN'),
      );
    }
    const result = await update.executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Up to `limit` PENDING items of a campaign, by PAT id. */
  async pendingItems(reviewId: string, limit: number): Promise<AccessReviewItemRecord[]> {
    return this.items({ reviewId, outcome: 'PENDING', limit, offset: 0 });
  }

  /** The identities with PENDING items in the campaign, at most `limit`, by id. */
  async pendingReviewerIds(reviewId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('access_review_reviewers as r')
      .innerJoin('access_review_items as i', 'i.id', 'r.item_id')
      .select('r.identity_id')
      .distinct()
      .where('r.review_id', '=', reviewId)
      .where('i.outcome', '=', 'PENDING')
      .orderBy('r.identity_id')
      .limit(limit)
      .execute();
    return rows.map((row) => row.identity_id);
  }

  /** The distinct reviewers of a campaign, at most `limit`, by id. */
  async reviewerIds(reviewId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('access_review_reviewers')
      .select('identity_id')
      .distinct()
      .where('review_id', '=', reviewId)
      .orderBy('identity_id')
      .limit(limit)
      .execute();
    return rows.map((row) => row.identity_id);
  }

  /** OPEN → CLOSED; false when it was closed already (by another node, or by hand). */
  async close(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('access_reviews')
      .set({ status: 'CLOSED', closed_at: now })
      .where('id', '=', id)
      .where('status', '=', 'OPEN')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** OPEN campaigns whose deadline has passed, oldest deadline first. */
  async pastDeadline(now: string, limit: number): Promise<AccessReviewRecord[]> {
    const rows = await this.db
      .selectFrom('access_reviews')
      .selectAll()
      .where('status', '=', 'OPEN')
      .where('deadline', '<=', now)
      .orderBy('deadline')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /** OPEN campaigns whose deadline is after `now` and at or before `until`: reminder candidates. */
  async openWithDeadlineBetween(
    now: string,
    until: string,
    limit: number,
  ): Promise<AccessReviewRecord[]> {
    const rows = await this.db
      .selectFrom('access_reviews')
      .selectAll()
      .where('status', '=', 'OPEN')
      .where('deadline', '>', now)
      .where('deadline', '<=', until)
      .orderBy('deadline')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Records `sent` as the reminders sent, if `before` is still what is recorded: false when
   * another node sent (and recorded) them first.
   */
  async claimReminders(id: string, before: readonly number[], sent: readonly number[]) {
    const result = await this.db
      .updateTable('access_reviews')
      .set({ reminders_sent: JSON.stringify(sent) })
      .where('id', '=', id)
      .where('reminders_sent', '=', JSON.stringify(before))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Recurring campaigns whose next one is due, soonest first. */
  async dueToRecur(now: string, limit: number): Promise<AccessReviewRecord[]> {
    const rows = await this.db
      .selectFrom('access_reviews')
      .selectAll()
      .where('next_start_at', 'is not', null)
      .where('next_start_at', '<=', now)
      .orderBy('next_start_at')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Hands the recurrence on: clears next_start_at of the campaign if it is still `nextStartAt`.
   * False when another node started the next campaign first.
   */
  async claimRecurrence(id: string, nextStartAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('access_reviews')
      .set({ next_start_at: null })
      .where('id', '=', id)
      .where('next_start_at', '=', nextStartAt)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * One page of the live PATs (not deleted, not expired at `now`) in id order after `afterId`,
   * with their owners' roles, status and manager: the candidates of a campaign's selection.
   * `unusedSince`: only PATs whose last use (or creation, when never used) is at or before it.
   */
  async liveCandidates(query: {
    now: string;
    afterId: string;
    limit: number;
    unusedSince?: string | undefined;
  }): Promise<ReviewCandidate[]> {
    const activeAt = sql<string>`coalesce(p.last_used, p.created)`;
    let base = this.db
      .selectFrom('personal_access_tokens as p')
      .innerJoin('identities as o', 'o.id', 'p.owner_id')
      .select([
        'p.id',
        'p.name',
        'p.scope',
        'p.managed',
        'p.owner_id',
        'o.status as owner_status',
        'o.roles as owner_roles',
        'o.manager_id',
      ])
      .where('p.deleted_at', 'is', null)
      .where((eb) =>
        eb.or([eb('p.expiration_date', 'is', null), eb('p.expiration_date', '>', query.now)]),
      )
      .where('p.id', '>', query.afterId);
    if (query.unusedSince !== undefined) base = base.where(activeAt, '<=', query.unusedSince);
    const rows = await base.orderBy('p.id').limit(query.limit).execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      scope: parseStringArray(row.scope),
      managed: row.managed === 1,
      ownerId: row.owner_id,
      ownerStatus: row.owner_status,
      ownerRoles: parseStringArray(row.owner_roles),
      ownerManagerId: row.manager_id,
    }));
  }

  /** The PATs of items, deleted ones too, with their owners; ids with no PAT are missing. */
  async patsOf(patIds: readonly string[]): Promise<Map<string, ReviewedPat>> {
    const found = new Map<string, ReviewedPat>();
    for (let start = 0; start < patIds.length; start += ROWS_PER_STATEMENT) {
      const rows = await this.db
        .selectFrom('personal_access_tokens as p')
        .innerJoin('identities as o', 'o.id', 'p.owner_id')
        .select([
          'p.id',
          'p.name',
          'p.scope',
          'p.created',
          'p.last_used',
          'p.expiration_date',
          'p.managed',
          'p.deleted_at',
          'p.owner_id',
          'o.name as owner_name',
          'o.login as owner_login',
        ])
        .where('p.id', 'in', patIds.slice(start, start + ROWS_PER_STATEMENT))
        .execute();
      for (const row of rows) {
        found.set(row.id, {
          id: row.id,
          name: row.name,
          scope: parseStringArray(row.scope),
          created: row.created,
          lastUsed: row.last_used,
          expirationDate: row.expiration_date,
          managed: row.managed === 1,
          deletedAt: row.deleted_at,
          ownerId: row.owner_id,
          ownerName: row.owner_name,
          ownerLogin: row.owner_login,
        });
      }
    }
    return found;
  }

  /**
   * When each PAT's secret was rotated, newest first, from its PERSONAL_ACCESS_TOKEN_ROTATED
   * audit events (at most `perPat` each): the rotation history of an item's evidence.
   */
  async rotationsOf(patIds: readonly string[], perPat: number): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>(patIds.map((id) => [id, []]));
    for (let start = 0; start < patIds.length; start += ROWS_PER_STATEMENT) {
      const rows = await this.db
        .selectFrom('audit_events')
        .select(['target_id', 'time'])
        .where('type', '=', 'PERSONAL_ACCESS_TOKEN_ROTATED')
        .where('target_id', 'in', patIds.slice(start, start + ROWS_PER_STATEMENT))
        .orderBy('time', 'desc')
        .execute();
      for (const row of rows) {
        const list = row.target_id === null ? undefined : found.get(row.target_id);
        if (list && list.length < perPat) list.push(row.time);
      }
    }
    return found;
  }

  /** The ids among `ids` of ACTIVE identities. */
  async activeIdentities(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('identities')
      .select('id')
      .where('id', 'in', [...ids])
      .where('status', '=', 'ACTIVE')
      .execute();
    return new Set(rows.map((row) => row.id));
  }
}

function emptyProgress(): AccessReviewProgress {
  return { total: 0, decided: 0, certified: 0, revoked: 0, pending: 0 };
}

function toRow(review: AccessReviewRecord): AccessReviewsTable {
  return {
    id: review.id,
    name: review.name,
    status: review.status,
    selection: JSON.stringify(review.selection),
    reviewers: JSON.stringify(review.reviewers),
    deadline: review.deadline,
    when_undecided: review.whenUndecided,
    every_days: review.everyDays,
    next_start_at: review.nextStartAt,
    previous_id: review.previousId,
    reminders_sent: JSON.stringify(review.remindersSent),
    created_by_id: review.createdById,
    created_by_name: review.createdByName,
    created: review.created,
    closed_at: review.closedAt,
  };
}

function toRecord(row: AccessReviewsTable): AccessReviewRecord {
  return {
    id: row.id,
    name: row.name,
    status: row.status as AccessReviewStatus,
    selection: JSON.parse(row.selection) as AccessReviewSelection,
    reviewers: JSON.parse(row.reviewers) as Reviewers,
    deadline: row.deadline,
    whenUndecided: row.when_undecided as WhenUndecided,
    everyDays: row.every_days === null ? null : Number(row.every_days),
    nextStartAt: row.next_start_at,
    previousId: row.previous_id,
    remindersSent: JSON.parse(row.reminders_sent) as number[],
    createdById: row.created_by_id,
    createdByName: row.created_by_name,
    created: row.created,
    closedAt: row.closed_at,
  };
}

function toItemRow(item: AccessReviewItemRecord): AccessReviewItemsTable {
  return {
    id: item.id,
    review_id: item.reviewId,
    pat_id: item.patId,
    pat_name: item.patName,
    owner_id: item.ownerId,
    outcome: item.outcome,
    decision: item.decision,
    decided_by_id: item.decidedById,
    decided_by_name: item.decidedByName,
    decided_at: item.decidedAt,
    comment: item.comment,
    expiration_date: item.expirationDate,
  };
}

function toItemRecord(row: AccessReviewItemsTable): AccessReviewItemRecord {
  return {
    id: row.id,
    reviewId: row.review_id,
    patId: row.pat_id,
    patName: row.pat_name,
    ownerId: row.owner_id,
    outcome: row.outcome as ReviewItemOutcome,
    decision: row.decision as ReviewDecision | null,
    decidedById: row.decided_by_id,
    decidedByName: row.decided_by_name,
    decidedAt: row.decided_at,
    comment: row.comment,
    expirationDate: row.expiration_date,
  };
}
