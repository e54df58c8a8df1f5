import {
  PAT_CREDENTIAL_TYPE,
  SSF_EVENTS,
  TRUST_POLICY_CREDENTIAL_TYPE,
  type AuditEvent,
  type CredentialChangeEvent,
  type CredentialChangeType,
  type SubjectIdentifier,
} from '@patina/contract';

/**
 * Which audit events become Security Event Tokens, and what each says. The audit trail is the
 * one record of what happened; a SET is an audit event told to receivers, written in the same
 * transaction (docs/decisions.md, "Shared Signals").
 */
export interface SecurityEvent {
  type: string;
  subject: SubjectIdentifier;
  payload: Record<string, unknown>;
}

/** CAEP 1.0 §2 `initiating_entity`. */
type InitiatingEntity = 'admin' | 'user' | 'policy' | 'system';

const PAT_CHANGES: Partial<Record<AuditEvent['type'], CredentialChangeType>> = {
  PERSONAL_ACCESS_TOKEN_CREATED: 'create',
  PERSONAL_ACCESS_TOKEN_UPDATED: 'update',
  PERSONAL_ACCESS_TOKEN_ROTATED: 'update',
  PERSONAL_ACCESS_TOKEN_REVOKED: 'revoke',
  PERSONAL_ACCESS_TOKEN_DELETED: 'delete',
};

const PAT_WORDS: Partial<Record<AuditEvent['type'], string>> = {
  PERSONAL_ACCESS_TOKEN_CREATED: 'created',
  PERSONAL_ACCESS_TOKEN_UPDATED: 'given new scopes',
  PERSONAL_ACCESS_TOKEN_ROTATED: 'rotated',
  PERSONAL_ACCESS_TOKEN_REVOKED: 'revoked',
  PERSONAL_ACCESS_TOKEN_DELETED: 'deleted',
};

/** The SETs one audit event is told as (none for most). `issuer` is Patina's token issuer. */
export function securityEventsOf(event: AuditEvent, issuer: string): SecurityEvent[] {
  if (event.outcome !== 'SUCCESS' || event.target.id === null) return [];
  const details = event.details;
  const timestamp = Date.parse(event.time) / 1000;
  const changeType = PAT_CHANGES[event.type];
  if (changeType) {
    const scopeChanged = Array.isArray(details.changed) && details.changed.includes('scope');
    // Requiring DPoP ends the PAT's bearer tokens: resource servers hear it as an update.
    const dpopRequired =
      Array.isArray(details.changed) &&
      details.changed.includes('requireDpop') &&
      details.requireDpop === true;
    // A rename or a new description changes nothing a resource server decides on.
    if (event.type === 'PERSONAL_ACCESS_TOKEN_UPDATED' && !scopeChanged && !dpopRequired) {
      return [];
    }
    const ownerId = typeof details.ownerId === 'string' ? details.ownerId : null;
    const entity = initiatingEntity(event, ownerId);
    const subject: SubjectIdentifier = { format: 'opaque', id: event.target.id };
    const reason =
      event.type === 'PERSONAL_ACCESS_TOKEN_REVOKED' && typeof details.reason === 'string'
        ? ` (${details.reason})`
        : '';
    const events: SecurityEvent[] = [
      {
        type: SSF_EVENTS.credentialChange,
        subject,
        payload: {
          credential_type: PAT_CREDENTIAL_TYPE,
          change_type: changeType,
          ...(event.target.name !== null && { friendly_name: event.target.name }),
          event_timestamp: timestamp,
          initiating_entity: entity,
          reason_admin: {
            en: `Personal access token ${PAT_WORDS[event.type] ?? 'changed'} by ${actorWords(event, entity)}${reason}`,
          },
          // A rotation with grace: the tokens issued before it live until the old secret's grace
          // ends, as on Patina's own API (retiredByRotation); without grace they end now.
          ...(event.type === 'PERSONAL_ACCESS_TOKEN_ROTATED' &&
            typeof details.previousSecretValidUntil === 'string' && {
              previous_secret_valid_until: Date.parse(details.previousSecretValidUntil) / 1000,
            }),
        } satisfies CredentialChangeEvent,
      },
    ];
    if (scopeChanged && Array.isArray(details.scope)) {
      // CAEP 1.0 §3.2: the claims new access tokens of this PAT will carry.
      events.push({
        type: SSF_EVENTS.tokenClaimsChange,
        subject,
        payload: {
          event_timestamp: timestamp,
          initiating_entity: entity,
          claims: { scope: details.scope.filter((s) => typeof s === 'string').join(' ') },
        },
      });
    }
    return events;
  }
  const policyChange = trustPolicyChange(event);
  if (policyChange) {
    return [
      {
        type: SSF_EVENTS.credentialChange,
        // The access tokens of a federated exchange carry the policy's id as their client_id.
        subject: { format: 'opaque', id: event.target.id },
        payload: {
          credential_type: TRUST_POLICY_CREDENTIAL_TYPE,
          change_type: policyChange,
          ...(event.target.name !== null && { friendly_name: event.target.name }),
          event_timestamp: timestamp,
          initiating_entity: 'admin',
          reason_admin: {
            en: `Trust policy ${policyChange === 'update' ? 'changed' : policyChange === 'revoke' ? 'disabled' : 'deleted'} by an administrator`,
          },
        } satisfies CredentialChangeEvent,
      },
    ];
  }
  const disabled =
    (event.type === 'IDENTITY_UPDATED' && details.status === 'DISABLED') ||
    event.type === 'IDENTITY_OFFBOARDED';
  if (disabled) {
    const entity = initiatingEntity(event, event.target.id);
    const what = event.type === 'IDENTITY_OFFBOARDED' ? 'offboarded' : 'disabled';
    const suspended = Array.isArray(details.suspendedPats)
      ? details.suspendedPats.filter((id): id is string => typeof id === 'string')
      : [];
    return [
      {
        type: SSF_EVENTS.sessionRevoked,
        // The identity as its access tokens name it: iss and sub (RFC 9493 §3.2.5).
        subject: { format: 'iss_sub', iss: issuer, sub: event.target.id },
        payload: {
          event_timestamp: timestamp,
          initiating_entity: entity,
          reason_admin: { en: `Identity ${what} by ${actorWords(event, entity)}` },
        },
      },
      // Each PAT of a disabled identity stops (an offboarding revokes them, each with its own
      // event): `update`, since enabling the identity again lets the PAT mint new tokens, while
      // those issued before stay dead.
      ...suspended.map((patId): SecurityEvent => ({
        type: SSF_EVENTS.credentialChange,
        subject: { format: 'opaque', id: patId },
        payload: {
          credential_type: PAT_CREDENTIAL_TYPE,
          change_type: 'update',
          event_timestamp: timestamp,
          initiating_entity: entity,
          reason_admin: {
            en: `Personal access token suspended: its owner was disabled by ${actorWords(event, entity)}`,
          },
        } satisfies CredentialChangeEvent,
      })),
    ];
  }
  return [];
}

/**
 * What a trust policy's change means to the tokens it issued: a disable ends them (`revoke`), a
 * change of what it lets in ends those issued before (`update`), a delete ends them (`delete`).
 * A rename or a new lifetime says nothing a resource server decides on.
 */
function trustPolicyChange(event: AuditEvent): CredentialChangeType | undefined {
  if (event.type === 'TRUST_POLICY_DELETED') return 'delete';
  if (event.type !== 'TRUST_POLICY_UPDATED') return undefined;
  const ends = event.details.endsTokens;
  return ends === 'revoke' || ends === 'update' ? ends : undefined;
}

/**
 * Patina itself (no actor id) acts by policy: expiry, inactivity, leak revocation. Otherwise the
 * owner is the user, anyone else an administrator.
 */
function initiatingEntity(event: AuditEvent, ownerId: string | null): InitiatingEntity {
  if (event.actor.id === null) return 'policy';
  return event.actor.id === ownerId ? 'user' : 'admin';
}

function actorWords(event: AuditEvent, entity: InitiatingEntity): string {
  if (entity === 'policy') return `Patina (${event.actor.name ?? 'policy'})`;
  return entity === 'user' ? 'its owner' : 'an administrator';
}
