import { ACCESS_TOKEN_TYPE, AccessTokenClaims, SIGNING_ALGORITHMS } from '@patina/contract';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { randomHexId } from '../core/ids.js';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { Clock } from '../core/clock.js';
import { PatinaError } from '../core/errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { SPAN_NAMES, type Tracing } from '../tracing/tracing.js';
import { signJwt } from './jws.js';
import type { SigningKeys } from './signing-keys.js';

export interface MintInput {
  identityId: string;
  userName: string;
  authorities: string[];
  patId: string;
  scopes: string[];
  validitySeconds: number;
  /** RFC 8707: the resources asked for; the default audience when absent. */
  audience?: string[] | undefined;
  /** RFC 9449: the thumbprint of the DPoP key the token is bound to (`cnf.jkt`). */
  boundTo?: string | undefined;
  /** A federated exchange's trust policy, carried as the `trust_policy_id` claim. */
  trustPolicyId?: string | undefined;
  /**
   * A delegated token (RFC 8693 with a Patina token as the subject): its place in the chain,
   * when the root credential was presented, and who acts (`act`).
   */
  delegation?: { depth: number; authTime: number; act?: Record<string, unknown> } | undefined;
  /** The PAT's allowedCidrs, carried as the `allowed_cidrs` claim; none when null or absent. */
  allowedCidrs?: readonly string[] | null | undefined;
}

export const ACCESS_TOKEN_ERROR_CODES = [
  'TOKEN_MALFORMED',
  'TOKEN_EXPIRED',
  'TOKEN_SIGNATURE_INVALID',
  'TOKEN_CLAIM_INVALID',
  'TOKEN_KEY_UNKNOWN',
  'TOKEN_REVOKED',
] as const;
export type AccessTokenErrorCode = (typeof ACCESS_TOKEN_ERROR_CODES)[number];

/** Why a bearer token was refused. The message is safe to return: it never quotes the token. */
export class AccessTokenError extends Error {
  override readonly name = 'AccessTokenError';
  constructor(
    readonly code: AccessTokenErrorCode,
    message: string,
    /**
     * RFC 9449 §7.1: answer with a DPoP challenge (`invalid_dpop_proof`, or `use_dpop_nonce` with
     * the nonce to use) rather than a Bearer one.
     */
    readonly dpop?: {
      error: 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce';
      nonce?: string;
    },
  ) {
    super(message);
  }
}

export interface AccessTokensOptions {
  keys: SigningKeys;
  clock: Clock;
  issuer: string;
  audience: string;
  tenantId: string;
  org: string;
  /** Times each signature (patina_token_signing_duration_seconds). */
  metrics?: Pick<Metrics, 'timeSigning'>;
  /** A span per signature, named by its algorithm only (docs/operations.md, "Traces"). */
  tracing?: Pick<Tracing, 'enabled' | 'spanSync'>;
}

const VERIFIED_CACHE_SIZE = 10_000;

export class AccessTokens {
  readonly #verified = new Map<string, { claims: AccessTokenClaims; kid: string }>();

  constructor(private readonly options: AccessTokensOptions) {}

  /** Tokens whose signature check is cached (patina_verified_token_cache_entries). */
  get verifiedCacheEntries(): number {
    return this.#verified.size;
  }

  mint(input: MintInput): Promise<{ token: string; claims: AccessTokenClaims }> {
    const key = this.options.keys.current();
    const iat = Math.floor(this.options.clock.now().getTime() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.options.issuer,
      sub: input.identityId,
      aud:
        input.audience === undefined || input.audience.length === 0
          ? this.options.audience
          : input.audience.length === 1
            ? input.audience[0]!
            : input.audience,
      exp: iat + input.validitySeconds,
      iat,
      jti: randomHexId(),
      client_id: input.patId,
      scope: input.scopes.join(' '),
      identity_id: input.identityId,
      user_name: input.userName,
      authorities: input.authorities,
      tenant_id: this.options.tenantId,
      org: this.options.org,
      ...(input.trustPolicyId !== undefined && { trust_policy_id: input.trustPolicyId }),
      ...(input.boundTo !== undefined && { cnf: { jkt: input.boundTo } }),
      ...(input.delegation && {
        auth_time: input.delegation.authTime,
        delegation_depth: input.delegation.depth,
        ...(input.delegation.act && { act: input.delegation.act }),
      }),
      ...(input.allowedCidrs && { allowed_cidrs: [...input.allowedCidrs] }),
    };
    const signOnly = () =>
      signJwt({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYPE }, claims, key.privateKey);
    const tracing = this.options.tracing;
    const sign = tracing?.enabled
      ? () =>
          tracing.spanSync(
            SPAN_NAMES.signAccessToken,
            { 'patina.signing.algorithm': key.alg },
            signOnly,
          )
      : signOnly;
    const token = this.options.metrics ? this.options.metrics.timeSigning(sign) : sign();
    return Promise.resolve({ token, claims });
  }

  /**
   * Verifies signature (asymmetric algorithms only: `none` and HMAC are never accepted, RFC 8725
   * §3.1), `typ: at+jwt` (RFC 9068 §4), issuer, expiry and, unless `anyAudience` (introspection
   * answers for every resource server), that the token is meant for Patina's own API.
   */
  async verify(token: string, options: { anyAudience?: boolean } = {}): Promise<AccessTokenClaims> {
    const verified = this.#verified.get(token) ?? (await this.#verifySignature(token));
    // What can change after a signature was checked is checked on every call: the time, the
    // key's retirement, and the audience (which depends on the caller).
    if (!this.options.keys.find(verified.kid)) {
      this.#verified.delete(token);
      throw new AccessTokenError('TOKEN_KEY_UNKNOWN', 'JWT signing key is unknown');
    }
    const nowSeconds = Math.floor(this.options.clock.now().getTime() / 1000);
    if (verified.claims.exp <= nowSeconds) {
      this.#verified.delete(token);
      throw new AccessTokenError('TOKEN_EXPIRED', 'JWT is expired');
    }
    const aud = verified.claims.aud;
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!options.anyAudience && !audiences.includes(this.options.audience)) {
      throw new AccessTokenError('TOKEN_CLAIM_INVALID', 'JWT claim is invalid: aud');
    }
    return verified.claims;
  }

  /**
   * The signature check, done once per token: each distinct token's verified claims are kept
   * (bounded, least recently verified first out), so a client calling with the same token does
   * not pay for an ES256 verification every time. Revocation and the PAT's liveness are not
   * cached: the bearer check reads them on every request.
   */
  async #verifySignature(token: string): Promise<{ claims: AccessTokenClaims; kid: string }> {
    let kid = '';
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          kid = header.kid ?? '';
          const key = header.kid ? await this.options.keys.findOrReload(header.kid) : undefined;
          if (!key) throw new AccessTokenError('TOKEN_KEY_UNKNOWN', 'JWT signing key is unknown');
          if (header.alg !== key.alg) {
            throw new AccessTokenError(
              'TOKEN_SIGNATURE_INVALID',
              'JWT algorithm does not match its key',
            );
          }
          return key.publicKey;
        },
        {
          algorithms: [...SIGNING_ALGORITHMS],
          typ: ACCESS_TOKEN_TYPE,
          issuer: this.options.issuer,
          currentDate: this.options.clock.now(),
          requiredClaims: ['exp', 'iat', 'sub', 'jti', 'client_id', 'aud'],
        },
      );
      const claims = checkClaims(payload);
      // Issued in the future (beyond clock skew between nodes): not a token this service made
      // in the normal course; refusing it also keeps "issued before the owner was disabled"
      // meaningful.
      const nowSeconds = Math.floor(this.options.clock.now().getTime() / 1000);
      if (claims.iat > nowSeconds + IAT_SKEW_SECONDS) {
        throw new AccessTokenError('TOKEN_CLAIM_INVALID', 'JWT claim is invalid: iat');
      }
      const verified = { claims, kid };
      if (this.#verified.size >= VERIFIED_CACHE_SIZE) {
        this.#verified.delete(this.#verified.keys().next().value!);
      }
      this.#verified.set(token, verified);
      return verified;
    } catch (error) {
      // A key reload that could not reach the database is an outage (503), not a bad token:
      // storage throws it as UNAVAILABLE (storage/outage.ts).
      if (error instanceof PatinaError) throw error;
      throw toAccessTokenError(error);
    }
  }
}

const claimsCheck = TypeCompiler.Compile(AccessTokenClaims);
/** How far in the future an `iat` may be: the clock skew tolerated between nodes. */
const IAT_SKEW_SECONDS = 60;

/**
 * A correctly signed token is still refused when a claim has the wrong type (`scope` as an
 * array, `client_id` as an object): only this node's keys sign, but a key may leak, and code
 * after this point relies on the types. The error names the claim, never its value.
 */
function checkClaims(payload: unknown): AccessTokenClaims {
  if (claimsCheck.Check(payload)) return payload;
  const first = claimsCheck.Errors(payload).First();
  const claim = first?.path.split('/')[1] ?? 'payload';
  throw new AccessTokenError('TOKEN_CLAIM_INVALID', `JWT claim is invalid: ${claim}`);
}

function toAccessTokenError(error: unknown): AccessTokenError {
  if (error instanceof AccessTokenError) return error;
  if (error instanceof joseErrors.JWTExpired) {
    return new AccessTokenError('TOKEN_EXPIRED', 'JWT is expired');
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new AccessTokenError('TOKEN_SIGNATURE_INVALID', 'JWT signature is invalid');
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return new AccessTokenError('TOKEN_SIGNATURE_INVALID', 'JWT algorithm is not allowed');
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    // jose's messages name the claim, never its value.
    return new AccessTokenError('TOKEN_CLAIM_INVALID', `JWT claim is invalid: ${error.claim}`);
  }
  return new AccessTokenError('TOKEN_MALFORMED', 'JWT is malformed');
}
