import { isIdShaped } from '@patina/contract';
import { authorize, may, missingRight } from '../access/authorize.js';
import type { Actor, RequestContext } from '../access/context.js';
import { badRequest, illegalValue, notFoundById } from '../core/errors.js';
import type { PersonalAccessToken } from './model.js';

// Who may see and change which PAT, after SailPoint's PAT rights: my- rights reach the caller's
// own PATs, all- rights everyone's; managed PATs are seen only with the managed-read right.

/** The identity whose PATs are the caller's own; the system actor has none. */
function ownIdentity(actor: Actor): string | undefined {
  return actor.kind === 'user' ? actor.identityId : undefined;
}

/** POST on a PAT surface: the caller's identity, which will own the new PAT. */
export function authorizeCreateOwn(ctx: RequestContext): string {
  authorize(ctx, 'manageOwn', 'Creating a personal access token');
  const ownerId = ownIdentity(ctx.actor);
  if (ownerId === undefined) {
    throw badRequest('Patina itself owns no personal access tokens: name the owner');
  }
  return ownerId;
}

/** The admin API's create: a PAT for any identity. */
export function authorizeCreateFor(ctx: RequestContext): void {
  authorize(ctx, 'manageAll', 'Creating a personal access token for another identity');
}

/** What a list may show: one owner's PATs (`me`, an id) or everyone's (undefined). */
export function authorizeList(
  ctx: RequestContext,
  requestedOwnerId: string | undefined,
): { ownerId?: string; includeManaged: boolean } {
  const includeManaged = may(ctx.actor, 'seeManaged');
  const own = ownIdentity(ctx.actor);
  if (requestedOwnerId === 'me' || (own !== undefined && requestedOwnerId === own)) {
    if (own === undefined) {
      throw illegalValue('owner-id', "'owner-id' may not be 'me' when Patina itself asks");
    }
    authorize(ctx, 'readOwn', 'Listing your personal access tokens');
    return { ownerId: own, includeManaged };
  }
  if (requestedOwnerId !== undefined && !isIdShaped(requestedOwnerId)) {
    throw illegalValue('owner-id', "'owner-id' must be 'me' or an identity id (32 hex characters)");
  }
  if (requestedOwnerId === undefined && !may(ctx.actor, 'readAll') && may(ctx.actor, 'readOwn')) {
    // SailPoint answers a bare 403 here; the hint saves the caller a trip to the docs.
    throw missingRight(
      'readAll',
      "Listing other identities' personal access tokens",
      'add owner-id=me to list your own',
    );
  }
  authorize(ctx, 'readAll', "Listing other identities' personal access tokens");
  return { ...(requestedOwnerId !== undefined && { ownerId: requestedOwnerId }), includeManaged };
}

/** Whether the caller may see `pat` at all: its own, or everyone's with all-read; managed ones
 * only with the managed-read right. */
function isVisible(
  ctx: RequestContext,
  pat: PersonalAccessToken | undefined,
): pat is PersonalAccessToken {
  if (pat === undefined) return false;
  const own = pat.ownerId === ownIdentity(ctx.actor);
  return (!pat.managed || may(ctx.actor, 'seeManaged')) && (own || may(ctx.actor, 'readAll'));
}

/**
 * GET of one PAT (the Patina resource): the rights of the list, per PAT. One the caller may not
 * see answers 404, as if it did not exist.
 */
export function authorizeRead(
  ctx: RequestContext,
  id: string,
  pat: PersonalAccessToken | undefined,
): PersonalAccessToken {
  if (!isVisible(ctx, pat)) throw notFoundById('Personal access token', id);
  const own = pat.ownerId === ownIdentity(ctx.actor);
  if (own) authorize(ctx, 'readOwn', 'Reading your personal access tokens');
  return pat;
}

/**
 * PATCH, DELETE and rotation: a PAT the caller may change, own ones with my-manage, others' with
 * all-manage. One the caller may not even see answers 404, as if it did not exist; one it sees
 * but may not change answers 403. A PAT's own access token is no exception: rotating hands out a
 * new long-lived secret, so a token scoped to `ssf.read` (or to an API's scope) may not mint one
 * for itself; it needs my-manage like any other change (docs/rules.md, "Rights").
 */
export function authorizeChange(
  ctx: RequestContext,
  id: string,
  pat: PersonalAccessToken | undefined,
  verb: 'change' | 'delete' | 'rotate',
): PersonalAccessToken {
  if (!isVisible(ctx, pat)) throw notFoundById('Personal access token', id);
  const own = pat.ownerId === ownIdentity(ctx.actor);
  const needed = own ? 'manageOwn' : 'manageAll';
  if (!may(ctx.actor, needed)) {
    throw missingRight(needed, `You may not ${verb} this personal access token: it`);
  }
  return pat;
}
