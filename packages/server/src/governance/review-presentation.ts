import type { AccessReview, AccessReviewItem } from '@patina/contract';
import { addUtcDays, utcDay } from '../core/utc-day.js';
import type {
  AccessReviewItemRecord,
  AccessReviewProgress,
  AccessReviewRecord,
} from '../storage/access-reviews-repository.js';
import type { Repositories } from '../storage/repositories.js';

/** The evidence's usage window: the last 30 UTC days, today included. */
export const EVIDENCE_USAGE_DAYS = 30;
/** Rotations an item shows at most, newest first. */
const EVIDENCE_ROTATIONS = 50;

/** `90d` ↔ 90. */
export function everyText(everyDays: number | null): string | null {
  return everyDays === null ? null : `${everyDays}d`;
}

export function presentReview(
  record: AccessReviewRecord,
  progress: AccessReviewProgress,
): AccessReview {
  return {
    id: record.id,
    name: record.name,
    status: record.status,
    selection: record.selection,
    reviewers: record.reviewers,
    deadline: record.deadline,
    whenUndecided: record.whenUndecided,
    every: everyText(record.everyDays),
    nextStartAt: record.nextStartAt,
    previousId: record.previousId,
    createdBy: { id: record.createdById, name: record.createdByName },
    created: record.created,
    closedAt: record.closedAt,
    progress,
  };
}

/**
 * Items as a reviewer sees them: the PAT as it is now (deleted ones too, `live: false`), its
 * owner, its reviewers and the evidence (addresses and user agents it was used from, exchanges
 * per day, rotations). A few queries per page, whatever its size.
 */
export async function presentItems(
  repos: Repositories,
  items: readonly AccessReviewItemRecord[],
  now: Date,
): Promise<AccessReviewItem[]> {
  if (items.length === 0) return [];
  const patIds = [...new Set(items.map((item) => item.patId))];
  const toDay = utcDay(now);
  const nowIso = now.toISOString();
  const [pats, reviewers, sources, usage, rotations] = await Promise.all([
    repos.accessReviews.patsOf(patIds),
    repos.accessReviews.reviewersOf(items.map((item) => item.id)),
    repos.patUseSources.forPats(patIds),
    repos.patUsage.forPats(patIds, {
      fromDay: addUtcDays(toDay, 1 - EVIDENCE_USAGE_DAYS),
      toDay,
    }),
    repos.accessReviews.rotationsOf(patIds, EVIDENCE_ROTATIONS),
  ]);
  return items.map((item) => {
    const pat = pats.get(item.patId);
    const live =
      pat !== undefined &&
      pat.deletedAt === null &&
      (pat.expirationDate === null || pat.expirationDate > nowIso);
    return {
      id: item.id,
      reviewId: item.reviewId,
      pat: {
        id: item.patId,
        name: pat?.name ?? item.patName,
        scope: pat?.scope ?? [],
        created: pat?.created ?? '',
        lastUsed: pat?.lastUsed ?? null,
        expirationDate: pat?.expirationDate ?? null,
        managed: pat?.managed ?? false,
        live,
      },
      owner: {
        id: item.ownerId,
        name: pat?.ownerName ?? '',
        login: pat?.ownerLogin ?? '',
      },
      reviewers: reviewers.get(item.id) ?? [],
      evidence: {
        lastUsedFrom: sources.get(item.patId) ?? [],
        usage: usage.get(item.patId) ?? [],
        rotations: rotations.get(item.patId) ?? [],
      },
      outcome: item.outcome,
      decision: item.decision,
      decidedBy:
        item.decidedByName === null ? null : { id: item.decidedById, name: item.decidedByName },
      decidedAt: item.decidedAt,
      comment: item.comment,
      expirationDate: item.expirationDate,
    };
  });
}
