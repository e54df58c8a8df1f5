import {
  patOwner,
  type AuditEvent,
  type AuditEventType,
  type WebhookEventType,
} from '@patina/contract';
import type { Repositories } from '../storage/repositories.js';
import type { IdentitySubject } from '../storage/notification-subjects-repository.js';
import type { PatSubject } from '../storage/pats-with-owners.js';
import {
  governanceNotificationOf,
  isGovernanceEvent,
  type MailToIdentities,
} from './governance-events.js';

/**
 * Which audit events are notified, and as which webhook event type. The audit trail is the one
 * record of what happened; a notification is an audit event told to the outside, in the same
 * transaction (docs/decisions.md, "Notifications").
 */
const PAT_EVENTS: Partial<Record<AuditEventType, WebhookEventType>> = {
  PERSONAL_ACCESS_TOKEN_CREATED: 'personal_access_token.created',
  PERSONAL_ACCESS_TOKEN_UPDATED: 'personal_access_token.updated',
  PERSONAL_ACCESS_TOKEN_DELETED: 'personal_access_token.deleted',
  PERSONAL_ACCESS_TOKEN_ROTATED: 'personal_access_token.rotated',
  PERSONAL_ACCESS_TOKEN_REVOKED: 'personal_access_token.revoked',
  PERSONAL_ACCESS_TOKEN_EXPIRING: 'personal_access_token.expiring',
  PERSONAL_ACCESS_TOKEN_EXPIRED: 'personal_access_token.expired',
  PERSONAL_ACCESS_TOKEN_SECRET_REUSED: 'personal_access_token.secret_reused',
  PERSONAL_ACCESS_TOKEN_INACTIVE_WARNING: 'personal_access_token.inactive_warning',
};

/** A notifiable event: its webhook type and data, and what it is about (for mail). */
export type Notification =
  | { type: WebhookEventType; data: Record<string, unknown>; pat: PatSubject }
  | { type: WebhookEventType; data: Record<string, unknown>; identity: IdentitySubject }
  | {
      type: 'webhook.disabled';
      data: Record<string, unknown>;
      webhook: { id: string; url: string; createdBy: string | null; reason: 'GONE' | 'FAILING' };
    }
  | MailToIdentities;

/** Whether an audit event of this type may be notified at all (cheap: no reads). */
export function isNotifiable(type: AuditEventType): boolean {
  return (
    type in PAT_EVENTS ||
    type === 'IDENTITY_CREATED' ||
    type === 'IDENTITY_UPDATED' ||
    type === 'IDENTITY_OFFBOARDED' ||
    type === 'WEBHOOK_DISABLED' ||
    isGovernanceEvent(type)
  );
}

/** The notification of an audit event, or undefined when it is not notified. */
export async function notificationOf(
  repos: Repositories,
  event: AuditEvent,
): Promise<Notification | undefined> {
  if (event.outcome !== 'SUCCESS' || event.target.id === null) return undefined;
  const details = event.details;
  const common = { auditEventId: event.id, actor: event.actor };
  const patType = PAT_EVENTS[event.type];
  if (patType) {
    const pat = await repos.notificationSubjects.pat(event.target.id);
    if (!pat) return undefined;
    const data: Record<string, unknown> = { ...common, personalAccessToken: patBody(pat) };
    switch (patType) {
      case 'personal_access_token.updated':
        data.changed = stringList(details.changed);
        break;
      case 'personal_access_token.rotated':
        data.gracePeriodSeconds = integerOrNull(details.gracePeriodSeconds);
        break;
      case 'personal_access_token.revoked':
        data.reason = typeof details.reason === 'string' ? details.reason : 'UNSPECIFIED';
        break;
      case 'personal_access_token.expiring':
        data.daysLeft = integerOrNull(details.daysLeft) ?? 0;
        break;
      case 'personal_access_token.secret_reused':
        data.sourceIp = event.sourceIp;
        break;
      case 'personal_access_token.inactive_warning':
        data.revokeAt = typeof details.revokeAt === 'string' ? details.revokeAt : null;
        break;
      default:
        break;
    }
    return { type: patType, data, pat };
  }
  if (
    event.type === 'IDENTITY_CREATED' ||
    event.type === 'IDENTITY_UPDATED' ||
    event.type === 'IDENTITY_OFFBOARDED'
  ) {
    const identity = await repos.notificationSubjects.identity(event.target.id);
    if (!identity) return undefined;
    const data: Record<string, unknown> = { ...common, identity: identityBody(identity) };
    let type: WebhookEventType = 'identity.created';
    if (event.type === 'IDENTITY_UPDATED') {
      type = details.status === 'DISABLED' ? 'identity.disabled' : 'identity.updated';
      data.changed = stringList(details.changed);
    } else if (event.type === 'IDENTITY_OFFBOARDED') {
      type = 'identity.offboarded';
      data.revokedCount = Array.isArray(details.revoked)
        ? details.revoked.length
        : integerOrNull(details.revokedCount);
    }
    return { type, data, identity };
  }
  if (event.type === 'WEBHOOK_DISABLED') {
    const webhook = await repos.webhooks.findById(event.target.id);
    if (!webhook) return undefined;
    const reason = details.reason === 'GONE' ? 'GONE' : 'FAILING';
    return {
      type: 'webhook.disabled',
      data: {
        auditEventId: event.id,
        webhook: { id: webhook.id, url: webhook.url, description: webhook.description },
        reason,
        failingSince: typeof details.failingSince === 'string' ? details.failingSince : null,
      },
      webhook: { id: webhook.id, url: webhook.url, createdBy: webhook.createdBy, reason },
    };
  }
  if (isGovernanceEvent(event.type)) return governanceNotificationOf(repos, event);
  return undefined;
}

/** The PAT as events carry it: what it is and whose, never its secret or digest. */
function patBody(pat: PatSubject) {
  return {
    id: pat.id,
    name: pat.name,
    owner: patOwner(pat),
    scope: pat.scope,
    managed: pat.managed,
    created: pat.created,
    lastUsed: pat.lastUsed,
    expirationDate: pat.expirationDate,
  };
}

function identityBody(identity: IdentitySubject) {
  return { id: identity.id, login: identity.login, name: identity.name, status: identity.status };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function integerOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}
