import { canonicalScope, type AccessTokenClaims } from '@patina/contract';
import type { Clock } from '../core/clock.js';
import type { Principal } from '../access/principal.js';
import { isAllowedFrom } from '../pats/allowed-cidrs.js';
import { patRefusal, retiredByRotation, type PatCredentialRecord } from '../pats/model.js';
import { type RightsModel } from '../identities/rights.js';
import type { PatCredentialsRepository } from '../storage/pat-credentials-repository.js';
import type { RevocationsRepository } from '../storage/revocations-repository.js';
import { AccessTokenError, type AccessTokens } from '../tokens/access-tokens.js';
import type { LivenessCache } from './liveness-cache.js';

/**
 * Bearer authentication for Patina's own API: a valid signature and claims, and then the PAT behind
 * the token must still be live and its owner active. Checking the PAT on every call is what makes a
 * delete or a disable stop outstanding access tokens at once (docs/rules.md, "Access tokens"). The
 * reads go through a cache that every node's changes invalidate (LivenessCache).
 */
export class BearerAuthenticator {
  constructor(
    private readonly deps: {
      accessTokens: AccessTokens;
      /** The credential behind a token's client_id: a PAT, or a web console session. */
      pats: Pick<PatCredentialsRepository, 'findCredential'>;
      revocations: RevocationsRepository;
      cache: LivenessCache;
      rights: RightsModel;
      clock: Clock;
    },
  ) {}

  /**
   * A token is live when its signature and claims hold, it is not revoked, the PAT behind it is
   * live with an active owner, and no rotation has retired the secret it was issued for.
   * `anyAudience` is for introspection, which answers for every resource server; Patina's own
   * API accepts only its own audience.
   */
  async inspect(
    token: string,
    options: { anyAudience?: boolean } = {},
  ): Promise<{ claims: AccessTokenClaims; record: PatCredentialRecord }> {
    const claims = await this.deps.accessTokens.verify(token, options);
    const { cache, revocations, pats } = this.deps;
    if (await cache.isRevoked(claims.jti, () => revocations.isRevoked(claims.jti))) {
      throw new AccessTokenError('TOKEN_REVOKED', 'JWT has been revoked');
    }
    const record = await cache.record(claims.client_id, () =>
      pats.findCredential(claims.client_id),
    );
    const now = this.deps.clock.now().toISOString();
    const refusal = record && patRefusal(record, now);
    if (
      !record ||
      record.ownerId !== claims.sub ||
      refusal === 'deleted' ||
      refusal === 'revoked' ||
      refusal === 'expired'
    ) {
      throw new AccessTokenError(
        'TOKEN_CLAIM_INVALID',
        'the personal access token behind this JWT is no longer valid',
      );
    }
    if (refusal === 'owner_disabled') {
      throw new AccessTokenError('TOKEN_CLAIM_INVALID', 'the identity behind this JWT is disabled');
    }
    // Disabling an identity ends its access tokens for good: enabling it again does not bring
    // back those issued before. (iat is in whole seconds: a token of the disable's own second
    // counts as after it, as one minted right after a re-enable must.)
    // A delegated token is judged by when its root credential was presented (auth_time), so a
    // token derived after a disable or a rotation does not outlive the one it came from.
    const issuedAt = claims.auth_time ?? claims.iat;
    const disabledAt = record.ownerDisabledAt;
    if (disabledAt && issuedAt * 1000 < Date.parse(disabledAt.slice(0, 19) + 'Z')) {
      throw new AccessTokenError(
        'TOKEN_CLAIM_INVALID',
        'the identity behind this JWT was disabled after it was issued',
      );
    }
    // A rotation retires the old secret, and what it earned, when its grace ends (docs/rules.md,
    // "Lifecycle"): an access token it got before the rotation is refused from then on.
    if (retiredByRotation(record, issuedAt, now)) {
      throw new AccessTokenError(
        'TOKEN_CLAIM_INVALID',
        'the secret this JWT was issued for has been rotated',
      );
    }
    return { claims, record };
  }

  /**
   * The caller of Patina's own API. `sourceIp` is the client's address (trustProxy applied): a
   * token of a PAT with allowedCidrs works only from inside them, by the claim it carries and by
   * the PAT as it is now (docs/rules.md, "Lifecycle"), so narrowing the list takes effect at once.
   */
  async authenticate(
    token: string,
    options: { sourceIp: string | null; dpopJkt?: string | undefined } = { sourceIp: null },
  ): Promise<Principal> {
    const { claims, record } = await this.inspect(token);
    // RFC 9449 §7.1: a bound token only with a proof by its key; a proof only with a bound token.
    const bound = claims.cnf?.jkt;
    if (record.requireDpop === true && bound === undefined) {
      throw new AccessTokenError(
        'TOKEN_CLAIM_INVALID',
        'the credential behind this token takes DPoP-bound tokens only (requireDpop)',
        { error: 'invalid_token' },
      );
    }
    if (bound !== options.dpopJkt) {
      throw new AccessTokenError(
        'TOKEN_CLAIM_INVALID',
        bound === undefined
          ? 'the token is not DPoP-bound: send it with the Bearer scheme'
          : options.dpopJkt === undefined
            ? 'the token is DPoP-bound: send it with the DPoP scheme and a DPoP proof'
            : 'the DPoP proof is signed by another key than the one the token is bound to',
        { error: 'invalid_token' },
      );
    }
    const from = options.sourceIp;
    if (
      (claims.allowed_cidrs !== undefined || record.allowedCidrs !== null) &&
      (from === null ||
        !isAllowedFrom(claims.allowed_cidrs, from) ||
        !isAllowedFrom(record.allowedCidrs, from))
    ) {
      throw new AccessTokenError(
        'TOKEN_CLAIM_INVALID',
        'the personal access token behind this JWT may not be used from this address',
      );
    }
    // The token's scopes, limited to what the owner holds now: a removed role takes effect at once.
    const held = this.deps.rights.rightsOf({
      roles: record.ownerRoles,
      rights: record.ownerRights,
    });
    const rights = new Set<string>();
    for (const scope of claims.scope.split(' ')) {
      const canonical = canonicalScope(scope);
      if (held.has(canonical)) rights.add(canonical);
    }
    return {
      kind: 'user',
      identityId: record.ownerId,
      identityName: record.ownerName,
      login: record.ownerLogin,
      patId: record.id,
      patExpirationDate: record.expirationDate,
      rights,
      ...(claims.delegation_depth !== undefined && { delegated: true }),
    };
  }
}
