import { isIdShaped } from '@patina/contract';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditContext } from '../access/context.js';
import type { Clock } from '../core/clock.js';
import { patRefusal, type PatCredentialRecord } from '../pats/model.js';
import type { Storage } from '../storage/repositories.js';
import type { SecretDigester } from '../tokens/secret.js';
import { badClientCredentials, OAuthError } from './errors.js';
import type { LockoutStore } from './lockout.js';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  context: AuditContext;
  /** Which endpoint asked, for the audit trail of a failure. */
  endpoint: 'token' | 'introspect' | 'revoke';
}

export type FailureReason =
  'unknown_client' | 'wrong_secret' | 'expired' | 'deleted' | 'owner_disabled' | 'locked_out';

export interface ClientAuthenticatorDeps {
  storage: Storage;
  audit: AuditLog;
  clock: Clock;
  digester: SecretDigester;
  lockout: LockoutStore;
}

/**
 * Authenticates a PAT as an OAuth client (token, introspection and revocation endpoints): lockout
 * first, then the PAT itself. Every failure does the same work (one read, one HMAC, one audit
 * write) and gets the same answer (docs/rules.md, "The token endpoint"); only the audit event says
 * which it was.
 */
export class ClientAuthenticator {
  constructor(private readonly deps: ClientAuthenticatorDeps) {}

  async authenticate(credentials: ClientCredentials): Promise<PatCredentialRecord> {
    const retryAfter = await this.deps.lockout.retryAfterSeconds(credentials.clientId);
    if (retryAfter > 0) {
      // Still a failed exchange (docs/rules.md, "Audit"); the rate limit bounds how often this can
      // be written.
      await this.#recordFailure(credentials, undefined, 'locked_out');
      throw new OAuthError(
        'too_many_attempts',
        'Too many failed attempts for this client; try again later',
        retryAfter,
      );
    }
    const { digester, clock } = this.deps;
    const record = await this.deps.storage.repos.pats.findCredential(credentials.clientId);
    const secretMatches = digester.matches(
      credentials.clientSecret,
      record
        ? { digest: record.secretDigest, version: record.digestVersion }
        : { digest: digester.placeholderDigest, version: 1 },
    );
    if (!record) return this.#fail(credentials, undefined, 'unknown_client');
    // A deleted PAT is reported as deleted whatever the secret; otherwise the secret comes first.
    const refusal = patRefusal(record, clock.now().toISOString());
    const reason: FailureReason | null =
      refusal === 'deleted' ? refusal : !secretMatches ? 'wrong_secret' : refusal;
    if (reason) return this.#fail(credentials, record, reason);
    await this.deps.lockout.recordSuccess(credentials.clientId);
    return record;
  }

  async #fail(
    credentials: ClientCredentials,
    record: PatCredentialRecord | undefined,
    reason: FailureReason,
  ): Promise<never> {
    await this.deps.lockout.recordFailure(credentials.clientId);
    await this.#recordFailure(credentials, record, reason);
    throw badClientCredentials();
  }

  async #recordFailure(
    credentials: ClientCredentials,
    record: PatCredentialRecord | undefined,
    reason: FailureReason,
  ): Promise<void> {
    // An unknown client id is not echoed unless it has an id's shape: people paste secrets
    // into the wrong field.
    const id = record?.id ?? (isIdShaped(credentials.clientId) ? credentials.clientId : null);
    await this.deps.storage.transaction((repos) =>
      this.deps.audit.record(repos, {
        type: 'PERSONAL_ACCESS_TOKEN_USE_FAILED',
        context: credentials.context,
        outcome: 'FAILURE',
        target: { type: 'PERSONAL_ACCESS_TOKEN', id, name: record?.name ?? null },
        details: {
          reason,
          ...(record && { ownerId: record.ownerId }),
          ...(credentials.endpoint !== 'token' && { endpoint: credentials.endpoint }),
        },
      }),
    );
  }
}
