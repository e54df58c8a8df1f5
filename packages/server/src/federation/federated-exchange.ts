import {
  FEDERATION_ALGORITHMS,
  isTrustPolicyId,
  TOKEN_TYPES,
  type ExchangedTokenResponse,
} from '@patina/contract';
import {
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import type { AuditContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { LivenessCache } from '../auth/liveness-cache.js';
import { addressKey } from '../core/cidr.js';
import type { Clock } from '../core/clock.js';
import { echo } from '../core/redact.js';
import type { RightsModel } from '../identities/rights.js';
import {
  dpopRequired,
  federationRefused,
  issuerKeysUnavailable,
  type FederationCheck,
  OAuthError,
} from '../oauth/errors.js';
import { grantedScopes } from '../oauth/granted-scopes.js';
import type { RepeatedFailures } from '../oauth/repeated-failures.js';
import { resourceAudience } from '../oauth/resource-audience.js';
import type { Storage } from '../storage/repositories.js';
import type { TrustPolicyRecord } from '../storage/trust-policies-repository.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import { failedCondition } from './conditions.js';
import { KeyNotFound, KeysUnavailable, type IssuerKeys } from './issuer-keys.js';
import { TrustPolicyCache } from './policy-cache.js';

export type FederatedGrant = 'token-exchange' | 'jwt-bearer';

export interface FederatedExchangeRequest {
  grant: FederatedGrant;
  /** The workload's OIDC token: `subject_token` or `assertion`. */
  token: string;
  /** `client_id`, when the workload names the trust policy to use. */
  policyId: string | undefined;
  scope: string | undefined;
  resources: string[];
  context: AuditContext;
  /** RFC 9449: the request's DPoP key; the token is bound to it. */
  dpopJkt?: string | undefined;
}

export interface FederatedExchangeDeps {
  storage: Storage;
  rights: RightsModel;
  audit: AuditLog;
  clock: Clock;
  keys: IssuerKeys;
  accessTokens: AccessTokens;
  repeated: RepeatedFailures;
  settings: { maxTokenAgeSeconds: number; clockSkewSeconds: number };
  /** The bearer check's cache of credentials, which a policy is one of. */
  liveness: Pick<LivenessCache, 'record'>;
  allowedAudiences: ReadonlySet<string>;
}

/** lastUsed and the _USED audit row at most this often per policy. */
const USE_NOTE_GAP_MS = 60_000;

/**
 * A workload's OIDC token for a Patina access token, by RFC 8693 token exchange or the RFC 7523
 * JWT bearer grant (docs/federation.md, "The exchange"). The checks, in order: a JWT → an allowed
 * algorithm → an issuer some enabled policy trusts → its signature by the issuer's keys → exp,
 * nbf, iat and age with the skew → a jti → the policy's audience and conditions → the identity
 * active → the jti not exchanged before. Each refusal names its check and never the token.
 */
export class FederatedExchange {
  readonly #policies: TrustPolicyCache;
  /** When this node last noted each policy's use: most exchanges need not try to write it. */
  readonly #noted = new Map<string, number>();

  constructor(private readonly deps: FederatedExchangeDeps) {
    this.#policies = new TrustPolicyCache(deps.storage.feed, (issuer) =>
      deps.storage.repos.trustPolicies.enabledForIssuer(issuer),
    );
  }

  close(): void {
    this.#policies.close();
  }

  async exchange(request: FederatedExchangeRequest): Promise<ExchangedTokenResponse> {
    const admitted = await this.admit(request);
    try {
      return await this.#issue(request, admitted.policy, admitted.claims);
    } catch (error) {
      await this.#failed(request, error, admitted.claims.iss);
      throw error;
    }
  }

  /**
   * Every check but the replay: the policy that accepts the token, and its verified claims. A
   * delegation's actor token is admitted this way (and not used up: it is not exchanged).
   */
  async admit(
    request: Pick<FederatedExchangeRequest, 'grant' | 'token' | 'policyId' | 'context'>,
  ): Promise<{ policy: TrustPolicyRecord; claims: JWTPayload }> {
    let issuer: string | undefined;
    try {
      const unverified = this.#read(request);
      issuer = unverified.iss;
      const candidates = await this.#candidates(request, unverified.iss);
      const claims = await this.#verify(request, candidates[0]!, unverified.iss);
      this.#checkTimes(request.grant, claims);
      return { policy: this.#choose(request.grant, candidates, claims), claims };
    } catch (error) {
      await this.#failed(request, error, issuer);
      throw error;
    }
  }

  async #failed(
    request: Pick<FederatedExchangeRequest, 'grant' | 'context'>,
    error: unknown,
    issuer: string | undefined,
  ): Promise<void> {
    if (error instanceof OAuthError && error.reason?.startsWith('federation_')) {
      await this.#recordFailure(request, error.reason.slice('federation_'.length), issuer);
    }
  }

  /** The token's header and claims before any check: what picks the policies and keys. */
  #read(request: Pick<FederatedExchangeRequest, 'grant' | 'token'>): { iss: string } {
    const { grant, token } = request;
    let alg: unknown;
    let iss: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      throw refused(grant, 'malformed', 'is not a signed JWT');
    }
    if (typeof alg !== 'string' || !(FEDERATION_ALGORITHMS as readonly string[]).includes(alg)) {
      throw refused(
        grant,
        'algorithm',
        `is signed with an algorithm Patina does not accept (accepted: ${FEDERATION_ALGORITHMS.join(', ')})`,
      );
    }
    if (typeof iss !== 'string' || iss === '') {
      throw refused(grant, 'issuer', 'has no iss claim');
    }
    return { iss };
  }

  /** The enabled policies that trust the issuer; only the named one when client_id names one. */
  async #candidates(
    request: Pick<FederatedExchangeRequest, 'grant' | 'policyId'>,
    issuer: string,
  ): Promise<TrustPolicyRecord[]> {
    const all = await this.#policies.enabledForIssuer(issuer);
    const { policyId, grant } = request;
    if (policyId !== undefined) {
      if (!isTrustPolicyId(policyId)) {
        throw refused(
          grant,
          'policy',
          'names in client_id something that is not a trust policy id',
        );
      }
      const named = all.filter((p) => p.id === policyId);
      if (named.length === 0) {
        throw refused(
          grant,
          'policy',
          `is not for trust policy ${policyId}: it does not exist, is disabled or trusts another issuer`,
        );
      }
      return named;
    }
    if (all.length === 0) {
      throw refused(
        grant,
        'issuer',
        `comes from an issuer no enabled trust policy trusts (${echo(issuer, 200)})`,
      );
    }
    return all;
  }

  /** The signature by the issuer's keys, and exp/nbf with the skew (jose). */
  async #verify(
    request: Pick<FederatedExchangeRequest, 'grant' | 'token'>,
    policy: TrustPolicyRecord,
    issuer: string,
  ): Promise<JWTPayload> {
    const { grant } = request;
    try {
      const { payload } = await jwtVerify(
        request.token,
        (header) => this.deps.keys.key({ issuer, jwksUri: policy.jwksUri }, header),
        {
          algorithms: [...FEDERATION_ALGORITHMS],
          issuer,
          clockTolerance: this.deps.settings.clockSkewSeconds,
          currentDate: this.deps.clock.now(),
        },
      );
      return payload;
    } catch (error) {
      if (error instanceof KeysUnavailable) throw issuerKeysUnavailable(error.message);
      if (error instanceof KeyNotFound)
        throw refused(grant, 'key', `names a key the issuer does not publish: ${error.message}`);
      if (error instanceof joseErrors.JWTExpired)
        throw refused(grant, 'expired', 'has expired (exp)');
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        if (error.claim === 'nbf') throw refused(grant, 'not_yet_valid', 'is not valid yet (nbf)');
        throw refused(grant, 'malformed', `has an invalid ${error.claim} claim`);
      }
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
        throw refused(
          grant,
          'signature',
          'has a signature that does not verify with the issuer’s keys',
        );
      }
      if (error instanceof joseErrors.JOSEAlgNotAllowed) {
        throw refused(grant, 'algorithm', 'is signed with an algorithm Patina does not accept');
      }
      if (error instanceof joseErrors.JOSEError) {
        throw refused(grant, 'malformed', `is not a usable JWT (${error.code})`);
      }
      throw error;
    }
  }

  /** exp present; iat present, not ahead of the clock, not older than the maximum; a jti. */
  #checkTimes(grant: FederatedGrant, claims: JWTPayload): void {
    const { maxTokenAgeSeconds, clockSkewSeconds } = this.deps.settings;
    const now = Math.floor(this.deps.clock.now().getTime() / 1000);
    if (typeof claims.exp !== 'number') throw refused(grant, 'expired', 'has no exp claim');
    if (typeof claims.iat !== 'number') throw refused(grant, 'too_old', 'has no iat claim');
    if (claims.iat > now + clockSkewSeconds) {
      throw refused(grant, 'issued_in_future', 'was issued in the future (iat)');
    }
    if (now - claims.iat > maxTokenAgeSeconds + clockSkewSeconds) {
      throw refused(
        grant,
        'too_old',
        `was issued more than ${maxTokenAgeSeconds} s ago (iat; federation.maxTokenAgeSeconds)`,
      );
    }
    if (typeof claims.jti !== 'string' || claims.jti === '') {
      throw refused(grant, 'no_jti', 'has no jti claim: a replay could not be refused');
    }
  }

  /** The first candidate whose audience and conditions the claims meet. */
  #choose(
    grant: FederatedGrant,
    candidates: TrustPolicyRecord[],
    claims: JWTPayload,
  ): TrustPolicyRecord {
    const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : [];
    const misses: { check: FederationCheck; why: string }[] = [];
    for (const policy of candidates) {
      if (!audiences.includes(policy.audience)) {
        misses.push({
          check: 'audience',
          why: `trust policy ${policy.id} wants the audience ${echo(policy.audience, 200)} in aud`,
        });
        continue;
      }
      const failed = failedCondition(policy.conditions, claims);
      if (failed !== undefined) {
        misses.push({
          check: 'conditions',
          why: `trust policy ${policy.id}'s condition on ${echo(failed, 100)} is not met`,
        });
        continue;
      }
      return policy;
    }
    const shown = misses
      .slice(0, 3)
      .map((m) => m.why)
      .join('; ');
    throw refused(grant, misses[0]!.check, `is not accepted: ${shown}`);
  }

  async #issue(
    request: FederatedExchangeRequest,
    policy: TrustPolicyRecord,
    claims: JWTPayload,
  ): Promise<ExchangedTokenResponse> {
    const { grant } = request;
    const { storage, rights, accessTokens, clock } = this.deps;
    // The policy as its tokens' credential, through the bearer check's cache (dropped by any
    // change to the policy or its identity, on every node).
    const record = await this.deps.liveness.record(policy.id, () =>
      storage.repos.trustPolicies.findCredential(policy.id),
    );
    if (!record || record.ownerStatus !== 'ACTIVE') {
      throw refused(
        grant,
        'identity_disabled',
        `is for trust policy ${policy.id}, whose identity is disabled`,
      );
    }
    if (policy.requireDpop && request.dpopJkt === undefined) throw dpopRequired('trust policy');
    const scopes = grantedScopes(rights, record, request.scope, 'trust policy');
    const audience = resourceAudience(request.resources, this.deps.allowedAudiences);
    const nowMs = clock.now().getTime();
    const left = claims.exp! - Math.floor(nowMs / 1000);
    const validitySeconds = Math.min(policy.maxTokenLifetimeSeconds, left);
    if (validitySeconds < 1) throw refused(grant, 'expired', 'has expired (exp)');
    // Last, so a token refused for another reason is not used up: the primary key decides
    // between two nodes racing with the same token.
    // In a transaction, so on SQLite it shares a group commit with the writes arriving together
    // rather than paying a sync of its own.
    const fresh = await storage.transaction((repos) =>
      repos.trustPolicies.noteExchanged({
        issuer: policy.issuer,
        jti: claims.jti!,
        expiresAt: new Date(
          (claims.exp! + this.deps.settings.clockSkewSeconds) * 1000,
        ).toISOString(),
      }),
    );
    if (!fresh)
      throw refused(
        grant,
        'replayed',
        'was exchanged before (jti): each token is good for one exchange',
      );
    const minted = await accessTokens.mint({
      identityId: record.ownerId,
      userName: record.ownerLogin,
      authorities: record.ownerRoles,
      patId: policy.id,
      trustPolicyId: policy.id,
      scopes,
      validitySeconds,
      audience,
      boundTo: request.dpopJkt,
    });
    await this.#noteUse(policy, request.context, record.ownerId, record.ownerLogin, nowMs);
    return {
      access_token: minted.token,
      issued_token_type: TOKEN_TYPES.accessToken,
      token_type: request.dpopJkt === undefined ? 'Bearer' : 'DPoP',
      expires_in: validitySeconds,
      scope: minted.claims.scope,
    };
  }

  /** lastUsed, and one TRUST_POLICY_USED row, at most once a minute per policy. */
  async #noteUse(
    policy: TrustPolicyRecord,
    context: AuditContext,
    ownerId: string,
    ownerLogin: string,
    nowMs: number,
  ): Promise<void> {
    const notAfter = new Date(nowMs - USE_NOTE_GAP_MS).toISOString();
    if (policy.lastUsed !== null && policy.lastUsed > notAfter) return;
    // The cached policy's lastUsed is as old as the cache: this node's own note decides.
    if (nowMs - (this.#noted.get(policy.id) ?? -Infinity) < USE_NOTE_GAP_MS) return;
    this.#noted.set(policy.id, nowMs);
    if (this.#noted.size > 10_000) this.#noted.delete(this.#noted.keys().next().value!);
    await this.deps.storage.transaction(async (repos) => {
      const now = new Date(nowMs).toISOString();
      if (await repos.trustPolicies.touchLastUsed({ id: policy.id, now, notAfter })) {
        await this.deps.audit.record(repos, {
          type: 'TRUST_POLICY_USED',
          context: { ...context, actorId: ownerId, actorName: ownerLogin },
          target: { type: 'TRUST_POLICY', id: policy.id, name: policy.name },
          details: { issuer: policy.issuer, identityId: ownerId },
        });
      }
    });
  }

  /** One TRUST_POLICY_USE_FAILED row per check, issuer, address and minute, with a count. */
  async #recordFailure(
    request: Pick<FederatedExchangeRequest, 'grant' | 'context'>,
    reason: string,
    issuer: string | undefined,
  ): Promise<void> {
    const issuerShown = issuer === undefined ? null : echo(issuer, 200);
    const write = () =>
      this.deps.storage.transaction(async (repos) => {
        const event = await this.deps.audit.record(repos, {
          type: 'TRUST_POLICY_USE_FAILED',
          context: request.context,
          outcome: 'FAILURE',
          target: { type: 'TRUST_POLICY', id: null, name: null },
          details: { reason, issuer: issuerShown, grant: request.grant },
        });
        return event.id;
      });
    const key = [
      'federation',
      reason,
      issuerShown ?? '',
      addressKey(request.context.sourceIp),
    ].join(' ');
    await this.deps.repeated.note(key, write);
  }
}

function refused(grant: FederatedGrant, check: FederationCheck, problem: string): OAuthError {
  const what = grant === 'jwt-bearer' ? 'The assertion' : 'The subject_token';
  return federationRefused(grant, check, `${what} ${problem}`);
}
