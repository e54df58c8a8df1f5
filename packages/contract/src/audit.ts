import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, pageQueryFields, StringEnum } from './schema-helpers.js';

/** The audit trail (admin API, `/patina/v1/audit-events`). */
export const AUDIT_EVENT_TYPES = [
  'PERSONAL_ACCESS_TOKEN_CREATED',
  'PERSONAL_ACCESS_TOKEN_UPDATED',
  'PERSONAL_ACCESS_TOKEN_DELETED',
  'PERSONAL_ACCESS_TOKEN_EXPIRED',
  'PERSONAL_ACCESS_TOKEN_USED',
  'PERSONAL_ACCESS_TOKEN_USE_FAILED',
  /** A new secret for the same PAT; details: gracePeriodSeconds. */
  'PERSONAL_ACCESS_TOKEN_ROTATED',
  /** Revoked by Patina or an operator; details: reason (LEAKED, INACTIVE, OFFBOARDED, REUSED). */
  'PERSONAL_ACCESS_TOKEN_REVOKED',
  /** An old secret presented after its grace window ended. */
  'PERSONAL_ACCESS_TOKEN_SECRET_REUSED',
  /** The PAT crossed an expiry-warning threshold; details: daysLeft. */
  'PERSONAL_ACCESS_TOKEN_EXPIRING',
  /** The PAT will be revoked for inactivity soon; details: revokeAt. */
  'PERSONAL_ACCESS_TOKEN_INACTIVE_WARNING',
  'IDENTITY_CREATED',
  'IDENTITY_UPDATED',
  /** Every PAT of the identity revoked, and the identity disabled unless asked not to. */
  'IDENTITY_OFFBOARDED',
  'ACCESS_TOKEN_REVOKED',
  'SIGNING_KEY_ROTATED',
  'WEBHOOK_CREATED',
  'WEBHOOK_UPDATED',
  'WEBHOOK_DELETED',
  'WEBHOOK_SECRET_ROTATED',
  /** Patina disabled the endpoint; details: reason (GONE, FAILING), failingSince. */
  'WEBHOOK_DISABLED',
  /**
   * A Shared Signals stream deleted by an administrator or by Patina; details: streamId,
   * clientId, reason (ADMIN, INACTIVE), and for INACTIVE lastActivityAt, inactivityTimeoutSeconds.
   */
  'SSF_STREAM_DELETED',
  'TRUST_POLICY_CREATED',
  /** details: changed (the fields); a disable or a narrowing ends the tokens it issued before. */
  'TRUST_POLICY_UPDATED',
  'TRUST_POLICY_DELETED',
  /** A workload's token exchanged under the policy; written at most once a minute per policy. */
  'TRUST_POLICY_USED',
  /** A federated exchange refused; details: reason (the check that failed), issuer. */
  'TRUST_POLICY_USE_FAILED',
  /** A create or scope change held for approval; details: ownerId, sensitiveScopes, kind. */
  'PAT_REQUEST_CREATED',
  /** An approver said yes: the PAT was made (CREATE) or its scope changed (SCOPE_CHANGE). */
  'PAT_REQUEST_APPROVED',
  'PAT_REQUEST_DENIED',
  /** Unanswered until requestTtlHours passed, or an approved secret not fetched in time. */
  'PAT_REQUEST_EXPIRED',
  /** The requester fetched the approved PAT's secret (the one time). */
  'PAT_REQUEST_FULFILLED',
  /** A certification campaign started; details: items, reviewers, deadline. */
  'ACCESS_REVIEW_STARTED',
  /** A reviewer's decision on one item; details: itemId, patId, decision. */
  'ACCESS_REVIEW_DECIDED',
  /** Reminder mails went to the reviewers with undecided items; details: daysLeft. */
  'ACCESS_REVIEW_REMINDED',
  /** The campaign closed; details: counts per outcome, whenUndecided. */
  'ACCESS_REVIEW_CLOSED',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const AUDIT_OUTCOMES = ['SUCCESS', 'FAILURE'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export const AUDIT_TARGET_TYPES = [
  'PERSONAL_ACCESS_TOKEN',
  'IDENTITY',
  'SIGNING_KEY',
  'WEBHOOK',
  'SSF_STREAM',
  'TRUST_POLICY',
  'PAT_REQUEST',
  'ACCESS_REVIEW',
] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export const AuditEventResponse = Type.Object(
  {
    id: Type.String(),
    time: DateTime('When it happened'),
    type: StringEnum(AUDIT_EVENT_TYPES),
    actor: Type.Object({ id: Nullable(Type.String()), name: Nullable(Type.String()) }),
    target: Type.Object({
      type: StringEnum(AUDIT_TARGET_TYPES),
      id: Nullable(Type.String()),
      name: Nullable(Type.String()),
    }),
    outcome: StringEnum(AUDIT_OUTCOMES),
    sourceIp: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    trackingId: Nullable(Type.String()),
    details: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Non-secret particulars: the fields changed, a failure reason',
    }),
  },
  { $id: 'AuditEvent' },
);
export type AuditEvent = Static<typeof AuditEventResponse>;

export const AuditQuery = Type.Object({
  type: Type.Optional(
    Type.String({ description: 'An event type, e.g. PERSONAL_ACCESS_TOKEN_CREATED' }),
  ),
  'actor-id': Type.Optional(Type.String()),
  'target-id': Type.Optional(Type.String()),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive lower bound' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive upper bound' })),
  ...pageQueryFields,
});
export type AuditQuery = Static<typeof AuditQuery>;
