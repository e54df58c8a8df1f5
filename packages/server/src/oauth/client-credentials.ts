import type { AuditLog } from '../audit/audit-log.js';
import type { AuditContext } from '../audit/model.js';
import type { Clock } from '../clock.js';
import { canonicalScope, ALL_SCOPES, type RightsModel } from '../identities/rights.js';
import type { PatCredentialRecord } from '../pats/model.js';
import type { Storage } from '../storage/repositories.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import type { SecretDigester } from '../tokens/secret.js';
import { badClientCredentials, OAuthError } from './errors.js';
import type { Lockout } from './lockout.js';

export interface ClientCredentialsRequest {
  clientId: string;
  clientSecret: string;
  /** The optional `scope` parameter: space-separated scopes to narrow the grant to. */
  scope: string | undefined;
  context: AuditContext;
}

/** The token response of SPEC §3: RFC 6749 §5.1 plus SailPoint's identity fields. */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
  jti: string;
  tenant_id: string;
  org: string;
  pod: string;
  identity_id: string;
  user_name: string;
  strong_auth: boolean;
  strong_auth_supported: boolean;
  enabled: boolean;
  internal: boolean;
  accessType: string;
}

export type FailureReason =
  'unknown_client' | 'wrong_secret' | 'expired' | 'deleted' | 'owner_disabled' | 'locked_out';

const DAY_MS = 24 * 60 * 60 * 1000;
const PAT_ID = /^[0-9a-f]{32}$/;

export interface ClientCredentialsDeps {
  storage: Storage;
  rights: RightsModel;
  audit: AuditLog;
  clock: Clock;
  digester: SecretDigester;
  accessTokens: AccessTokens;
  lockout: Lockout;
  tenant: { id: string; org: string; pod: string };
}

/**
 * The `client_credentials` grant with a PAT as the client, as a pipeline of named steps:
 * check lockout → authenticate the PAT → decide the scopes → mint → note the use.
 */
export class ClientCredentialsGrant {
  constructor(private readonly deps: ClientCredentialsDeps) {}

  async exchange(request: ClientCredentialsRequest): Promise<TokenResponse> {
    await this.#checkLockout(request);
    const record = await this.#authenticate(request);
    const scopes = this.#grantedScopes(record, request.scope);
    const { token, claims } = await this.deps.accessTokens.mint({
      identityId: record.ownerId,
      userName: record.ownerLogin,
      authorities: record.ownerRoles,
      patId: record.id,
      scopes,
      validitySeconds: record.accessTokenValiditySeconds,
    });
    await this.#noteUse(record, request.context);
    const { tenant } = this.deps;
    return {
      access_token: token,
      token_type: 'bearer',
      expires_in: record.accessTokenValiditySeconds,
      scope: claims.scope,
      jti: claims.jti,
      tenant_id: tenant.id,
      org: tenant.org,
      pod: tenant.pod,
      identity_id: record.ownerId,
      user_name: record.ownerLogin,
      strong_auth: false,
      strong_auth_supported: false,
      enabled: true,
      internal: false,
      accessType: 'OFFLINE',
    };
  }

  async #checkLockout(request: ClientCredentialsRequest): Promise<void> {
    const retryAfter = this.deps.lockout.retryAfterSeconds(request.clientId);
    if (retryAfter > 0) {
      // Still a failed exchange (SPEC §7); the rate limit bounds how often this can be written.
      await this.#recordFailure(request, undefined, 'locked_out');
      throw new OAuthError(
        'too_many_attempts',
        'Too many failed attempts for this client; try again later',
        retryAfter,
      );
    }
  }

  /**
   * Every failure does the same work (one read, one HMAC, one audit write) and gets the same
   * answer; only the audit event says which failure it was.
   */
  async #authenticate(request: ClientCredentialsRequest): Promise<PatCredentialRecord> {
    const { digester, clock } = this.deps;
    const record = await this.deps.storage.repos.pats.findCredential(request.clientId);
    const secretMatches = digester.matches(
      request.clientSecret,
      record
        ? { digest: record.secretDigest, version: record.digestVersion }
        : { digest: digester.placeholderDigest, version: 1 },
    );
    if (!record) return this.#fail(request, undefined, 'unknown_client');
    let reason: FailureReason | undefined;
    if (record.deletedAt !== null) reason = 'deleted';
    else if (!secretMatches) reason = 'wrong_secret';
    else if (record.expirationDate !== null && record.expirationDate <= clock.now().toISOString()) {
      reason = 'expired';
    } else if (record.ownerStatus !== 'ACTIVE') reason = 'owner_disabled';
    if (reason) return this.#fail(request, record, reason);
    this.deps.lockout.recordSuccess(request.clientId);
    return record;
  }

  async #fail(
    request: ClientCredentialsRequest,
    record: PatCredentialRecord | undefined,
    reason: FailureReason,
  ): Promise<never> {
    this.deps.lockout.recordFailure(request.clientId);
    await this.#recordFailure(request, record, reason);
    throw badClientCredentials();
  }

  async #recordFailure(
    request: ClientCredentialsRequest,
    record: PatCredentialRecord | undefined,
    reason: FailureReason,
  ): Promise<void> {
    const clientId = record?.id ?? (PAT_ID.test(request.clientId) ? request.clientId : null);
    await this.deps.storage.transaction((repos) =>
      this.deps.audit.record(repos, {
        type: 'PERSONAL_ACCESS_TOKEN_USE_FAILED',
        context: request.context,
        outcome: 'FAILURE',
        // An unknown client id is not echoed unless it has an id's shape: people paste secrets
        // into the wrong field.
        target: { type: 'PERSONAL_ACCESS_TOKEN', id: clientId, name: record?.name ?? null },
        details: { reason, ...(record && { ownerId: record.ownerId }) },
      }),
    );
  }

  /** SPEC §3: the PAT's scopes ∩ the owner's rights now ∩ the requested scopes. */
  #grantedScopes(record: PatCredentialRecord, requested: string | undefined): string[] {
    const { rights } = this.deps;
    const grantable = rights.grantable(
      record.scope,
      rights.rightsOf({
        roles: record.ownerRoles,
        rights: record.ownerRights,
      }),
    );
    if (requested === undefined || requested.trim() === '') return grantable;
    const wanted = new Set(requested.trim().split(/\s+/).map(canonicalScope));
    if (wanted.has(ALL_SCOPES)) return grantable;
    const allowed = new Set(grantable);
    for (const scope of wanted) {
      if (!allowed.has(scope)) {
        throw new OAuthError('invalid_scope', `The scope '${scope}' is not granted to this client`);
      }
    }
    return [...wanted].sort();
  }

  /** lastUsed at most once a day per PAT, with one _USED event when it is written. */
  async #noteUse(record: PatCredentialRecord, context: AuditContext): Promise<void> {
    const now = this.deps.clock.now();
    const notAfter = new Date(now.getTime() - DAY_MS).toISOString();
    if (record.lastUsed !== null && record.lastUsed > notAfter) return;
    await this.deps.storage.transaction(async (repos) => {
      if (await repos.pats.touchLastUsed(record.id, now.toISOString(), notAfter)) {
        await this.deps.audit.record(repos, {
          type: 'PERSONAL_ACCESS_TOKEN_USED',
          context: { ...context, actorId: record.ownerId, actorName: record.ownerLogin },
          target: { type: 'PERSONAL_ACCESS_TOKEN', id: record.id, name: record.name },
          details: { ownerId: record.ownerId },
        });
      }
    });
  }
}
