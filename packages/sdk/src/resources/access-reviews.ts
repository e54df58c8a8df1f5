import {
  ACCESS_REVIEWS_PATH,
  type AccessReview,
  type AccessReviewItem,
  type AccessReviewReport,
  type AccessReviewStatus,
  type BulkReviewDecisionRequest,
  type BulkReviewDecisionResponse,
  type CreateAccessReviewRequest,
  type ReviewDecisionRequest,
  type ReviewItemOutcome,
} from '@patina/contract';
import { segment, type Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { allPages, type PageOptions } from '../paging.js';
import { Collection } from './collection.js';

export interface ListAccessReviewsOptions extends PageOptions {
  /** Only campaigns in this status. */
  status?: AccessReviewStatus | Lowercase<AccessReviewStatus>;
}

export interface ListAccessReviewItemsOptions extends PageOptions {
  /** Only items this reviewer may decide: `me` (the caller) or an identity id. */
  reviewer?: string;
  /** Only items with this outcome (`PENDING`: still to decide). */
  outcome?: ReviewItemOutcome;
}

/**
 * Access reviews (certification campaigns), `/patina/v1/access-reviews`: an administrator starts
 * one over a selection of live PATs; each item (a PAT with its evidence) is certified or revoked
 * by its reviewers, with a comment; at the deadline what is undecided is revoked or kept, and the
 * campaign closes with a report. Administrators see every campaign; others the ones they review
 * an item of.
 */
export class AccessReviews extends Collection<AccessReview, ListAccessReviewsOptions> {
  constructor(api: Api) {
    super(api, { path: ACCESS_REVIEWS_PATH, filters: ({ status }) => ({ status }) });
  }

  /** Starts a campaign (all-manage); its items are chosen now. */
  create(body: CreateAccessReviewRequest, options: RequestOptions = {}): Promise<AccessReview> {
    return this.createOne(body, options);
  }

  get(id: string, options: RequestOptions = {}): Promise<AccessReview> {
    return this.getOne(id, options);
  }

  /** One page of the campaign's items, each with its evidence. */
  items(id: string, options: ListAccessReviewItemsOptions = {}): Promise<AccessReviewItem[]> {
    const { reviewer, outcome, limit, offset } = options;
    return this.getFrom(id, 'items', { reviewer, outcome, limit, offset }, options);
  }

  iterateItems(
    id: string,
    options: ListAccessReviewItemsOptions = {},
  ): AsyncGenerator<AccessReviewItem, void, undefined> {
    return allPages(options, (query) => this.items(id, query));
  }

  /**
   * Certifies (optionally with an earlier `expirationDate`) or revokes one item, with a comment.
   * Revocation takes effect at once. An item decided already is a 409 STATE_CONFLICT.
   */
  decide(
    id: string,
    itemId: string,
    body: ReviewDecisionRequest,
    options: RequestOptions = {},
  ): Promise<AccessReviewItem> {
    const part = { path: `items/${segment(itemId)}/decision`, route: 'items/{itemId}/decision' };
    return this.postTo(id, part, body, options);
  }

  /**
   * Many decisions in one call (at most 500); each is taken on its own and answered with the
   * status the single call would give (200, 409, 403, …) in `results`, in order.
   */
  decideMany(
    id: string,
    decisions: BulkReviewDecisionRequest['decisions'],
    options: RequestOptions = {},
  ): Promise<BulkReviewDecisionResponse> {
    return this.postTo(id, 'decisions', { decisions }, options);
  }

  /** Closes the campaign now: undecided items are revoked or kept per its `whenUndecided`. */
  close(id: string, options: RequestOptions = {}): Promise<AccessReview> {
    return this.postTo(id, 'close', {}, options);
  }

  /** The campaign and every item with its outcome, for an auditor. */
  report(id: string, options: RequestOptions = {}): Promise<AccessReviewReport> {
    return this.getFrom(id, 'report', {}, options);
  }

  /** The same report as CSV (columns ACCESS_REVIEW_CSV_COLUMNS, a header line first). */
  reportCsv(id: string, options: RequestOptions = {}): Promise<string> {
    return this.getFrom(id, 'report', {}, options, 'text/csv');
  }
}
