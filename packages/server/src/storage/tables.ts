import type { IdentityStatus } from '@patina/contract';
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { SsfTables } from './ssf-tables.js';
import type { ConsoleTables } from './console-tables.js';
import type { FederationTables } from './federation-tables.js';
import type { GovernanceTables } from './governance-tables.js';
import type { ScimTables } from './scim-tables.js';

/**
 * Table types. Portable on purpose, so SQLite and PostgreSQL run the same queries: date-times are
 * ISO 8601 text in UTC with milliseconds (`2017-07-11T18:45:37.098Z`, which sorts as text), flags
 * are integers 0/1 (better-sqlite3 cannot bind booleans), lists are JSON text.
 */
export interface IdentitiesTable {
  id: string;
  login: string;
  name: string;
  status: IdentityStatus;
  roles: string; // JSON array of role names
  rights: string; // JSON array of directly granted rights
  email: string | null;
  /** When the identity was last disabled; null if never. */
  disabled_at: string | null;
  /** The SSO link (migration 0009): both null, or both set; unique together. */
  sso_issuer: string | null;
  sso_subject: string | null;
  /** The identity's manager, when the directory says (migration 0016); null if unknown. */
  manager_id: string | null;
  /** SCIM (migration 0017): 1 when the directory provisions it; its client and externalId. */
  directory_managed: Generated<number>;
  scim_client: string | null;
  external_id: string | null;
  employee_number: string | null;
  department: string | null;
  created: string;
  modified: string;
}

export interface PersonalAccessTokensTable {
  id: string;
  owner_id: string;
  name: string;
  scope: string; // JSON array, default already applied
  secret_digest: string; // base64url HMAC-SHA-256 of the secret; never the secret
  digest_version: number;
  created: string;
  last_used: string | null;
  managed: number;
  access_token_validity_seconds: number;
  expiration_date: string | null;
  user_aware_token_never_expires: number;
  /** Set when the PAT is deleted; the row stays so the audit can tell "deleted" from "unknown". */
  deleted_at: string | null;
  /** Set once the _EXPIRED audit event has been recorded. */
  expiry_recorded_at: string | null;
  description: Generated<string>;
  allowed_cidrs: string | null; // JSON array of canonical CIDRs; null: from anywhere
  require_dpop: Generated<number>; // 1: DPoP-bound tokens only (RFC 9449)
  rotated_at: string | null;
  /** The secret before the last rotation, kept past its grace for reuse detection. */
  previous_secret_digest: string | null;
  previous_digest_version: number | null;
  /** The end of the last rotation's grace window; null when it had none. */
  previous_secret_valid_until: string | null;
  /** Access tokens issued before this second are refused for good: set by a second rotation. */
  tokens_not_before: string | null;
  /** Why Patina revoked it (with deleted_at): LEAKED, INACTIVE, OFFBOARDED, REUSED. */
  revoked_reason: string | null;
  inactivity_warned_at: string | null;
}

/** The addresses a PAT was exchanged from: one row per (PAT, address), the newest few kept. */
export interface PatUseSourcesTable {
  pat_id: string;
  ip: string;
  user_agent: string | null;
  at: string;
}

export interface AuditEventsTable {
  id: string;
  time: string;
  type: string;
  actor_id: string | null;
  actor_name: string | null;
  target_type: string;
  target_id: string | null;
  target_name: string | null;
  outcome: 'SUCCESS' | 'FAILURE';
  source_ip: string | null;
  user_agent: string | null;
  tracking_id: string | null;
  details: string; // JSON object; never holds a secret
  seq: Generated<number>;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string; // JSON
  private_jwk_enc: string; // AES-256-GCM under the master key, base64url
  created: string;
  /** Tokens are signed with the newest key whose retired is null. */
  retired: string | null;
  /** A retired key verifies (and is published in the JWKS) until then; null while it signs. */
  verify_until: string | null;
}

export interface RevokedTokensTable {
  jti: string;
  client_id: string;
  expires_at: string;
  revoked_at: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface WebhooksTable {
  id: string;
  url: string;
  description: string;
  events: string; // JSON array of webhook event types
  enabled: number;
  /** The signing secret, AES-256-GCM under the master key; never in the clear. */
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_secret_expires_at: string | null;
  disabled_reason: 'GONE' | 'FAILING' | null;
  failing_since: string | null;
  /** The identity that made it: told when Patina disables it. */
  created_by: string | null;
  created: string;
  modified: string;
}

/** The outbox: a message to one webhook endpoint or one mailbox. */
export interface NotificationDeliveriesTable {
  seq: Generated<number>;
  id: string;
  channel: 'webhook' | 'email';
  webhook_id: string | null;
  recipient: string | null;
  /** The `webhook-id` header (Standard Webhooks), the same on every retry. */
  event_id: string;
  event_type: string;
  /** Webhook: the exact request body. Mail: JSON { subject, text, html }. No secret, ever. */
  payload: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  next_attempt_at: string | null;
  created: string;
  delivered_at: string | null;
}

export interface NotificationAttemptsTable {
  delivery_id: string;
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface ExpiryWarningsTable {
  pat_id: string;
  expiration_date: string;
  threshold_days: number;
  warned_at: string;
}

/** SQLite only: the changes caches in other processes must hear of (migration 0018). */
export interface ChangeFeedTable {
  seq: Generated<number>;
  /** The process (its feed's origin) that made the change: it has heard it already. */
  origin: string;
  /** An encoded Change (change-feed.ts, encodeChange). */
  payload: string;
  created_at_ms: number;
}

/** Every table; the Shared Signals tables are declared in ssf-tables.ts. */
export interface Database
  extends SsfTables, ConsoleTables, FederationTables, GovernanceTables, ScimTables {
  identities: IdentitiesTable;
  personal_access_tokens: PersonalAccessTokensTable;
  pat_use_sources: PatUseSourcesTable;
  audit_events: AuditEventsTable;
  signing_keys: SigningKeysTable;
  ssf_signing_keys: SigningKeysTable;
  revoked_tokens: RevokedTokensTable;
  settings: SettingsTable;
  webhooks: WebhooksTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_attempts: NotificationAttemptsTable;
  expiry_warnings: ExpiryWarningsTable;
  change_feed: ChangeFeedTable;
}

export type IdentityRow = Selectable<IdentitiesTable>;
export type NewIdentityRow = Insertable<IdentitiesTable>;
export type IdentityUpdate = Updateable<IdentitiesTable>;
export type PatRow = Selectable<PersonalAccessTokensTable>;
export type NewPatRow = Insertable<PersonalAccessTokensTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEventRow = Insertable<AuditEventsTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type DeliveryRow = Selectable<NotificationDeliveriesTable>;
export type NewDeliveryRow = Insertable<NotificationDeliveriesTable>;
