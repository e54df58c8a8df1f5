import { ADMIN_BASE, type AuditEvent, type AuditEventType } from '@patina/contract';
import type { Api } from '../api.js';
import type { PageOptions } from '../paging.js';
import { Collection } from './collection.js';

export interface ListAuditOptions extends PageOptions {
  type?: AuditEventType;
  actorId?: string;
  targetId?: string;
  /** Inclusive lower bound, an RFC 3339 date-time. */
  from?: string;
  /** Exclusive upper bound, an RFC 3339 date-time. */
  to?: string;
}

/** The audit trail, newest first. */
export class Audit extends Collection<AuditEvent, ListAuditOptions> {
  constructor(api: Api) {
    super(api, {
      path: `${ADMIN_BASE}/audit-events`,
      filters: ({ type, actorId, targetId, from, to }) => ({
        type,
        'actor-id': actorId,
        'target-id': targetId,
        from,
        to,
      }),
    });
  }
}
