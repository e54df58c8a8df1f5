import { ADMIN_BASE, type AuditEvent, type AuditEventType } from '@patina/contract';
import type { Api } from '../api.js';
import { allPages, type PageOptions } from '../paging.js';

const PATH = `${ADMIN_BASE}/audit-events`;

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
export class Audit {
  constructor(private readonly api: Api) {}

  list(options: ListAuditOptions = {}): Promise<AuditEvent[]> {
    const { signal, type, actorId, targetId, from, to, limit, offset } = options;
    return this.api.call({
      method: 'GET',
      path: PATH,
      route: PATH,
      query: { type, 'actor-id': actorId, 'target-id': targetId, from, to, limit, offset },
      signal,
    });
  }

  iterate(options: ListAuditOptions = {}): AsyncGenerator<AuditEvent, void, undefined> {
    return allPages(options, (query) => this.list(query));
  }
}
