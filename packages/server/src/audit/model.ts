export const AUDIT_EVENT_TYPES = [
  'PERSONAL_ACCESS_TOKEN_CREATED',
  'PERSONAL_ACCESS_TOKEN_UPDATED',
  'PERSONAL_ACCESS_TOKEN_DELETED',
  'PERSONAL_ACCESS_TOKEN_EXPIRED',
  'PERSONAL_ACCESS_TOKEN_USED',
  'PERSONAL_ACCESS_TOKEN_USE_FAILED',
  'IDENTITY_CREATED',
  'IDENTITY_UPDATED',
  'ACCESS_TOKEN_REVOKED',
  'SIGNING_KEY_ROTATED',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export type AuditOutcome = 'SUCCESS' | 'FAILURE';

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

export interface AuditEvent {
  id: string;
  time: string;
  type: AuditEventType;
  actor: { id: string | null; name: string | null };
  target: {
    type: 'PERSONAL_ACCESS_TOKEN' | 'IDENTITY' | 'SIGNING_KEY';
    id: string | null;
    name: string | null;
  };
  outcome: AuditOutcome;
  sourceIp: string | null;
  userAgent: string | null;
  trackingId: string | null;
  /** Non-secret particulars: the fields changed, a failure reason. Never a secret. */
  details: Record<string, unknown>;
}

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
