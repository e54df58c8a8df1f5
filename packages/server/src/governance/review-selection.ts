import {
  ALL_SCOPES,
  canonicalScope,
  MAX_REVIEW_ITEMS,
  type AccessReviewSelection,
  type Reviewers,
} from '@patina/contract';
import { illegalValue } from '../core/errors.js';
import { DAY_MS } from '../core/time.js';
import type { RightsModel } from '../identities/rights.js';
import type {
  ReviewCandidate,
  AccessReviewsRepository,
} from '../storage/access-reviews-repository.js';

/** PATs read per query while a campaign's selection is evaluated. */
const CANDIDATES_PER_PAGE = 1000;

/**
 * Checks a selection beyond its schema: a `*` only as the last character of a scope pattern,
 * and only roles the deployment knows (a typo would silently select nothing).
 */
export function checkSelection(
  selection: AccessReviewSelection,
  rights: RightsModel,
): AccessReviewSelection {
  selection.scopes?.forEach((scope, i) => {
    if (scope.slice(0, -1).includes('*')) {
      throw illegalValue(
        `selection.scopes[${i}]`,
        `'selection.scopes[${i}]' may hold a '*' only as its last character (a prefix: 'orders:*')`,
      );
    }
  });
  selection.ownerRoles?.forEach((role, i) => {
    if (!rights.isKnownRole(role)) {
      throw illegalValue(
        `selection.ownerRoles[${i}]`,
        `'selection.ownerRoles[${i}]' names no role of this deployment; known: ${rights.roleNames.join(', ')}`,
      );
    }
  });
  return selection;
}

/**
 * Whether a PAT with `patScopes` is selected by the selection's scope patterns: one of them
 * equals one of its scopes (either spelling), or is a prefix ending in `*` of one; a PAT with
 * the all-scopes default holds every scope, so every pattern selects it.
 */
export function scopesMatch(patterns: readonly string[], patScopes: readonly string[]): boolean {
  const held = patScopes.map(canonicalScope);
  if (held.includes(ALL_SCOPES)) return true;
  return patterns.some((raw) => {
    const pattern = canonicalScope(raw);
    if (!pattern.endsWith('*')) return held.includes(pattern);
    const prefix = pattern.slice(0, -1);
    return held.some((scope) => scope.startsWith(prefix));
  });
}

/**
 * The live PATs the selection picks at `now`, in id order. More than MAX_REVIEW_ITEMS is a 400
 * naming `selection`: what one campaign makes Patina store and show is bounded.
 */
export async function selectPats(
  repo: AccessReviewsRepository,
  selection: AccessReviewSelection,
  now: Date,
): Promise<ReviewCandidate[]> {
  const unusedSince =
    selection.unusedForDays === undefined
      ? undefined
      : new Date(now.getTime() - selection.unusedForDays * DAY_MS).toISOString();
  const roles = selection.ownerRoles && new Set(selection.ownerRoles);
  const selected: ReviewCandidate[] = [];
  for (let afterId = ''; ;) {
    const page = await repo.liveCandidates({
      now: now.toISOString(),
      afterId,
      limit: CANDIDATES_PER_PAGE,
      unusedSince,
    });
    for (const pat of page) {
      if (selection.scopes && !scopesMatch(selection.scopes, pat.scope)) continue;
      if (roles && !pat.ownerRoles.some((role) => roles.has(role))) continue;
      selected.push(pat);
      if (selected.length > MAX_REVIEW_ITEMS) {
        throw illegalValue(
          'selection',
          `'selection' picks more than ${MAX_REVIEW_ITEMS} personal access tokens, the most one campaign may review; narrow it (scopes, unusedForDays, ownerRoles)`,
        );
      }
    }
    const last = page.at(-1);
    if (!last || page.length < CANDIDATES_PER_PAGE) return selected;
    afterId = last.id;
  }
}

/**
 * Who decides one PAT's item:
 * - OWNER: the PAT's owner, when ACTIVE and the PAT is not managed (a managed PAT is an
 *   administrator's to keep, which its owner may not even see); otherwise the fallback.
 * - MANAGER: the owner's manager (identities.manager_id) when ACTIVE; otherwise the fallback.
 * - named identities: each of them, for every item.
 * The fallback is the campaign's creator; a campaign Patina started without one leaves the item
 * to administrators (all-manage may decide any item).
 */
export function reviewersFor(
  pat: ReviewCandidate,
  reviewers: Reviewers,
  context: { creatorId: string | null; active: ReadonlySet<string> },
): string[] {
  const fallback = context.creatorId === null ? [] : [context.creatorId];
  if (Array.isArray(reviewers)) return [...reviewers];
  if (reviewers === 'OWNER') {
    return pat.ownerStatus === 'ACTIVE' && !pat.managed ? [pat.ownerId] : fallback;
  }
  const manager = pat.ownerManagerId;
  return manager !== null && context.active.has(manager) ? [manager] : fallback;
}
