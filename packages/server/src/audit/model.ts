import type { AuditEventType } from '@patina/contract';

/** A query of the audit trail, checked and normalised, as the repository runs it. */
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
