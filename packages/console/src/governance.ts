import type {
  AccessReview,
  AccessReviewItem,
  CreateAccessReviewRequest,
  PatRequest,
  PatUsageResponse,
  ReviewDecisionRequest,
} from '@patina/contract';
import { patina } from './api.js';
import type { NewPat } from './tokens.js';

/**
 * Governance through the SDK (docs/governance.md): approval requests for sensitive scopes, access
 * reviews (certification campaigns) and a PAT's usage per day. One place, as tokens.ts is for PATs.
 */

/** Every request the caller may see: those asked for by them and those they may decide. */
export async function listRequests(): Promise<PatRequest[]> {
  return patina.patRequests.list({ limit: 250 });
}

export function approveRequest(id: string, comment: string): Promise<PatRequest> {
  return patina.patRequests.approve(id, comment ? { comment } : {});
}

export function denyRequest(id: string, comment: string): Promise<PatRequest> {
  return patina.patRequests.deny(id, { comment });
}

/** The approved PAT with its secret: the server answers it once, then the request is FULFILLED. */
export async function fetchSecret(id: string): Promise<NewPat> {
  return (await patina.patRequests.fetchSecret(id)) as NewPat;
}

/** Exchanges per UTC day, oldest first, zero days included. */
export function patUsage(id: string, days = 30): Promise<PatUsageResponse> {
  return patina.patinaPats.usage(id, { days });
}

export function listCampaigns(status?: 'open' | 'closed'): Promise<AccessReview[]> {
  return patina.accessReviews.list({ limit: 250, ...(status && { status }) });
}

export function createCampaign(body: CreateAccessReviewRequest): Promise<AccessReview> {
  return patina.accessReviews.create(body);
}

export function closeCampaign(id: string): Promise<AccessReview> {
  return patina.accessReviews.close(id);
}

/** The caller's undecided items of a campaign (up to 250, the page size of every list). */
export function myPendingItems(reviewId: string): Promise<AccessReviewItem[]> {
  return patina.accessReviews.items(reviewId, {
    reviewer: 'me',
    outcome: 'PENDING',
    limit: 250,
  });
}

export function decideItem(
  reviewId: string,
  itemId: string,
  body: ReviewDecisionRequest,
): Promise<AccessReviewItem> {
  return patina.accessReviews.decide(reviewId, itemId, body);
}

/** One decision for each item; the answer says, per item, whether it was decided. */
export async function decideItems(
  reviewId: string,
  itemIds: readonly string[],
  decision: Pick<ReviewDecisionRequest, 'decision' | 'comment'>,
): Promise<{ decided: number; refused: string[] }> {
  const answer = await patina.accessReviews.decideMany(
    reviewId,
    itemIds.map((itemId) => ({ itemId, ...decision })),
  );
  const refused = answer.results.filter((r) => r.status !== 200);
  return {
    decided: answer.results.length - refused.length,
    refused: refused.map((r) => r.message ?? `HTTP ${r.status}`),
  };
}

/** The campaign's report as a file the browser saves: JSON, or CSV for a spreadsheet. */
export async function downloadReport(review: AccessReview, format: 'csv' | 'json'): Promise<void> {
  const blob =
    format === 'csv'
      ? new Blob([await patina.accessReviews.reportCsv(review.id)], { type: 'text/csv' })
      : new Blob([JSON.stringify(await patina.accessReviews.report(review.id), null, 2)], {
          type: 'application/json',
        });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `access-review-${review.id}.${format}`;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the file to the browser's download; the URL is no longer needed.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
