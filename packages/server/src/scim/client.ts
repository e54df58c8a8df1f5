import type { RequestContext } from '../access/context.js';

/**
 * The directory calling /scim/v2: the identity whose PAT (or access token) holds
 * patina:scim:provision. Its id is the scim_client of what it provisions and the actor of every
 * audit event (details.via 'SCIM').
 */
export interface ScimClient {
  id: string;
  name: string;
  /** The context services act in: Patina's own authority, audited as the client, via SCIM. */
  ctx: RequestContext;
}

export function scimClient(
  identity: { id: string; name: string },
  request: { sourceIp: string | null; userAgent: string | null; trackingId: string },
): ScimClient {
  return {
    id: identity.id,
    name: identity.name,
    ctx: {
      // The right was checked when the directory was authenticated (scim/auth.ts); the services'
      // own checks then see the SCIM service acting, as housekeeping does.
      actor: { kind: 'system', name: 'SCIM' },
      audit: {
        actorId: identity.id,
        actorName: identity.name,
        sourceIp: request.sourceIp,
        userAgent: request.userAgent,
        trackingId: request.trackingId,
        via: 'SCIM',
      },
    },
  };
}
