import type { AccessReviewItem, ReviewDecisionRequest, ReviewItemOutcome } from '@patina/contract';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { parseDateTime } from '../core/date-time.js';
import { illegalValue, PatinaError, requiredMissing } from '../core/errors.js';
import { cleanText } from '../core/free-text.js';
import { revokePat } from '../pats/revoke.js';
import type {
  AccessReviewItemRecord,
  AccessReviewRecord,
} from '../storage/access-reviews-repository.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import { presentItems } from './review-presentation.js';

export interface DecisionDeps {
  storage: Storage;
  audit: AuditLog;
  clock: Clock;
}

export const stateConflict = (message: string) => new PatinaError('STATE_CONFLICT', message);

/**
 * One reviewer's decision on one item, in one transaction with its effect on the PAT (a shortened
 * expiry, or the revocation through revokePat) and its ACCESS_REVIEW_DECIDED event.
 */
export async function decideItem(
  deps: DecisionDeps,
  ctx: RequestContext,
  review: AccessReviewRecord,
  item: AccessReviewItemRecord,
  body: ReviewDecisionRequest,
): Promise<AccessReviewItem> {
  const closed = 'The access review is closed: its items can no longer be decided';
  if (review.status === 'CLOSED') throw stateConflict(closed);
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const expirationDate = checkShortenedExpiry(body, nowIso);
  const comment = cleanText('comment', body.comment).trim();
  if (comment === '') throw requiredMissing('comment');
  const actor = ctx.actor;
  const decidedBy =
    actor.kind === 'user'
      ? { id: actor.identityId, name: actor.identityName }
      : { id: null, name: actor.name };
  return deps.storage.transaction(async (repos) => {
    // The conditional write first: of two deciders the loser learns it here, whatever the
    // winner did to the PAT. A refusal below rolls the write back.
    const decided: AccessReviewItemRecord = {
      ...item,
      outcome: body.decision === 'certify' ? 'CERTIFIED' : 'REVOKED',
      decision: body.decision,
      decidedById: decidedBy.id,
      decidedByName: decidedBy.name,
      decidedAt: nowIso,
      comment,
      expirationDate,
    };
    if (
      !(await repos.accessReviews.decide(
        { ...decided, itemId: item.id, decidedAt: nowIso },
        { requireOpen: true },
      ))
    ) {
      const fresh = await repos.accessReviews.findById(review.id);
      throw stateConflict(fresh?.status === 'CLOSED' ? closed : 'The item was already decided');
    }
    const pat = (await repos.accessReviews.patsOf([item.patId])).get(item.patId);
    if (!pat || pat.deletedAt !== null) {
      throw stateConflict(
        'The personal access token of this item is gone (deleted or revoked): there is nothing to decide',
      );
    }
    if (
      expirationDate !== null &&
      pat.expirationDate !== null &&
      expirationDate > pat.expirationDate
    ) {
      throw illegalValue(
        'expirationDate',
        `'expirationDate' may only shorten the expiry of the personal access token: it must not be after ${pat.expirationDate}`,
      );
    }
    const patRef = { id: pat.id, name: pat.name, ownerId: pat.ownerId };
    const fromReview = { accessReviewId: review.id, itemId: item.id };
    if (expirationDate !== null && expirationDate !== pat.expirationDate) {
      await repos.pats.update(pat.id, { expirationDate });
      await deps.audit.record(repos, {
        type: 'PERSONAL_ACCESS_TOKEN_UPDATED',
        context: ctx.audit,
        target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: pat.name },
        at: now,
        details: {
          ownerId: pat.ownerId,
          changed: ['expirationDate'],
          expirationDate,
          ...fromReview,
        },
      });
    }
    if (body.decision === 'revoke') {
      await revokePat(repos, deps.audit, {
        pat: patRef,
        reason: 'REVIEW',
        now: nowIso,
        context: ctx.audit,
        details: fromReview,
      });
    }
    await deps.audit.record(repos, {
      type: 'ACCESS_REVIEW_DECIDED',
      context: ctx.audit,
      target: { type: 'ACCESS_REVIEW', id: review.id, name: review.name },
      at: now,
      details: {
        itemId: item.id,
        patId: pat.id,
        decision: body.decision,
        comment,
        ...(expirationDate !== null && { expirationDate }),
      },
    });
    const [presented] = await presentItems(repos, [decided], now);
    return presented!;
  });
}

/** Undecided items at the close: AUTO_REVOKED (through revokePat) or KEPT; GONE without a PAT. */
export async function settleItems(
  deps: DecisionDeps,
  ctx: RequestContext,
  repos: Repositories,
  review: AccessReviewRecord,
  items: readonly AccessReviewItemRecord[],
): Promise<void> {
  if (items.length === 0) return;
  const nowIso = deps.clock.now().toISOString();
  const pats = await repos.accessReviews.patsOf(items.map((item) => item.patId));
  for (const item of items) {
    const pat = pats.get(item.patId);
    const gone = !pat || pat.deletedAt !== null;
    const outcome: ReviewItemOutcome = gone
      ? 'GONE'
      : review.whenUndecided === 'revoke'
        ? 'AUTO_REVOKED'
        : 'KEPT';
    const settled = await repos.accessReviews.decide(
      {
        itemId: item.id,
        outcome,
        decision: null,
        decidedById: null,
        decidedByName: null,
        decidedAt: nowIso,
        comment: null,
        expirationDate: null,
      },
      { requireOpen: false },
    );
    if (settled && pat && outcome === 'AUTO_REVOKED') {
      await revokePat(repos, deps.audit, {
        pat: { id: pat.id, name: pat.name, ownerId: pat.ownerId },
        reason: 'REVIEW',
        now: nowIso,
        context: ctx.audit,
        details: { accessReviewId: review.id, itemId: item.id },
      });
    }
  }
}

/** certify may shorten the PAT's expiry to a future instant; revoke takes none. */
function checkShortenedExpiry(body: ReviewDecisionRequest, nowIso: string): string | null {
  if (body.expirationDate === undefined) return null;
  if (body.decision !== 'certify') {
    throw illegalValue(
      'expirationDate',
      "'expirationDate' goes only with the decision certify: it shortens the certified PAT's expiry",
    );
  }
  const parsed = parseDateTime(body.expirationDate);
  if (!parsed.ok) {
    throw illegalValue(
      'expirationDate',
      "'expirationDate' must be an RFC 3339 date-time with an offset, e.g. 2026-07-11T18:00:00Z",
    );
  }
  if (parsed.iso <= nowIso) {
    throw illegalValue('expirationDate', "'expirationDate' must be in the future");
  }
  return parsed.iso;
}
