import type { AuditEventType } from '@patina/contract';

/** Who did it and from where; built by the HTTP layer, passed down as a plain object. */
export interface AuditContext {
  actorId: string | null;
  actorName: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  trackingId: string | null;
}

export const SYSTEM_CONTEXT: AuditContext = {
  actorId: null,
  actorName: 'patina',
  sourceIp: null,
  userAgent: null,
  trackingId: null,
};

export interface AuditQuery {
  type?: AuditEventType;
  actorId?: string;
  targetId?: string;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
  /** Also count every match, ignoring paging (`count=true`). */
  withTotal: boolean;
}
