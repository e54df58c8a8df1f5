import type { Principal } from './principal.js';

/** Who did it and from where, as an audit event records it; passed down as a plain object. */
export interface AuditContext {
  actorId: string | null;
  actorName: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  trackingId: string | null;
  /** The channel the change came through, kept as the events' `details.via` (SCIM: scim/). */
  via?: 'SCIM';
}

/**
 * Patina acting on its own: the first-start bootstrap, housekeeping, and the local `patina`
 * commands, whose operator already holds the database and the master key. It holds every right
 * and has no identity, so it owns no PATs; audit events name it, with no actor id.
 */
export interface SystemActor {
  readonly kind: 'system';
  /** `patina`, or the command that acts (`patina keys rotate`). */
  readonly name: string;
}

export type Actor = Principal | SystemActor;

/** Who asks, and what the audit trail says of the request: the first argument of services. */
export interface RequestContext {
  readonly actor: Actor;
  readonly audit: AuditContext;
}

/** A request made by Patina itself; its audit events carry `name` as the actor's name. */
export function systemContext(name = 'patina'): RequestContext {
  return {
    actor: { kind: 'system', name },
    audit: { actorId: null, actorName: name, sourceIp: null, userAgent: null, trackingId: null },
  };
}

export const SYSTEM_CONTEXT: RequestContext = systemContext();
