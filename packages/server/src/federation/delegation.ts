import {
  canonicalScope,
  ALL_SCOPES,
  TOKEN_TYPES,
  type AccessTokenClaims,
  type ExchangedTokenResponse,
} from '@patina/contract';
import type { AuditContext } from '../access/context.js';
import type { BearerAuthenticator } from '../auth/bearer.js';
import type { Clock } from '../core/clock.js';
import type { RightsModel } from '../identities/rights.js';
import { delegationRefused, noGrantableScope, scopeNotGranted } from '../oauth/errors.js';
import { resourceAudience } from '../oauth/resource-audience.js';
import { isAllowedFrom } from '../pats/allowed-cidrs.js';
import { AccessTokenError, type AccessTokens } from '../tokens/access-tokens.js';
import type { FederatedExchange } from './federated-exchange.js';

export interface DelegationRequest {
  /** A Patina access token: whose rights the new token narrows. */
  subjectToken: string;
  /** Who will act for the subject: a Patina access token or a workload token a policy accepts. */
  actor?: { token: string; type: typeof TOKEN_TYPES.accessToken | typeof TOKEN_TYPES.jwt };
  scope: string | undefined;
  resources: string[];
  context: AuditContext;
  /** RFC 9449: the request's DPoP key; the new token is bound to it. */
  dpopJkt?: string | undefined;
}

/**
 * Delegation for agents and tools (RFC 8693 with a Patina access token as the subject;
 * docs/federation.md, "Delegation"): a token narrower in scope, for at most one audience, living no
 * longer than the subject, with the actor recorded as `act` (earlier actors nested). The new
 * token keeps the subject's client_id, so revoking the PAT or trust policy behind the chain ends
 * every token of it, here, on every node and at resource servers through Shared Signals; and it
 * carries the subject's `auth_time`, so a rotation or a disable judges it as the token it came
 * from. A delegated token cannot create or rotate a PAT, or make or change a trust policy.
 */
export class DelegatedExchange {
  constructor(
    private readonly deps: {
      bearer: BearerAuthenticator;
      accessTokens: AccessTokens;
      rights: RightsModel;
      clock: Clock;
      federated: FederatedExchange;
      allowedAudiences: ReadonlySet<string>;
      maxDepth: number;
    },
  ) {}

  async exchange(request: DelegationRequest): Promise<ExchangedTokenResponse> {
    const { claims, record } = await this.#live(request.subjectToken, 'subject_token');
    const from = request.context.sourceIp;
    if (
      (claims.allowed_cidrs !== undefined || record.allowedCidrs !== null) &&
      (from === null ||
        !isAllowedFrom(claims.allowed_cidrs, from) ||
        !isAllowedFrom(record.allowedCidrs, from))
    ) {
      throw delegationRefused(
        'address',
        'The subject_token’s PAT may not be used from this address (allowedCidrs)',
      );
    }
    // A bound subject is delegated only by the holder of its key, and its children stay bound.
    if (claims.cnf !== undefined && claims.cnf.jkt !== request.dpopJkt) {
      throw delegationRefused(
        'subject',
        'The subject_token is DPoP-bound: send a DPoP proof by its key with the exchange',
      );
    }
    const depth = (claims.delegation_depth ?? 0) + 1;
    if (depth > this.deps.maxDepth) {
      throw delegationRefused(
        'depth',
        `The subject_token is already ${depth - 1} delegations deep; at most ${this.deps.maxDepth} are allowed (federation.maxDelegationDepth)`,
      );
    }
    const scopes = this.#scopes(claims, record, request.scope);
    if (request.resources.length > 1) {
      throw delegationRefused(
        'audience',
        'A delegated token is for one resource: send at most one',
      );
    }
    const audience = this.#audience(claims, request.resources);
    const left = claims.exp - Math.floor(this.deps.clock.now().getTime() / 1000);
    if (left < 1) throw delegationRefused('subject', 'The subject_token has expired');
    // Without a new actor, the chain's actors so far stay on the token.
    const act = request.actor ? await this.#actor(request, claims) : claims.act;
    const minted = await this.deps.accessTokens.mint({
      identityId: claims.sub,
      userName: claims.user_name,
      authorities: claims.authorities,
      patId: claims.client_id,
      trustPolicyId: claims.trust_policy_id,
      scopes,
      validitySeconds: left,
      audience,
      allowedCidrs: claims.allowed_cidrs,
      boundTo: request.dpopJkt,
      delegation: { depth, authTime: claims.auth_time ?? claims.iat, ...(act && { act }) },
    });
    return {
      access_token: minted.token,
      issued_token_type: TOKEN_TYPES.accessToken,
      token_type: request.dpopJkt === undefined ? 'Bearer' : 'DPoP',
      expires_in: left,
      scope: minted.claims.scope,
    };
  }

  /**
   * One audience, within the subject's: `resource` when sent (it must be one the subject is
   * for), else the subject's own when it has one. A hop narrows; it never re-aims a token at a
   * service the subject was not for.
   */
  #audience(claims: AccessTokenClaims, resources: string[]): string[] {
    const subjectAudiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const wanted = resourceAudience(resources, this.deps.allowedAudiences);
    if (wanted === undefined) {
      if (subjectAudiences.length === 1) return subjectAudiences;
      throw delegationRefused(
        'audience',
        'The subject_token is for several audiences: name the one the new token is for (resource)',
      );
    }
    if (!subjectAudiences.includes(wanted[0]!)) {
      throw delegationRefused(
        'audience',
        'The resource is not one the subject_token is for: a delegated token narrows, it is not re-aimed',
      );
    }
    return wanted;
  }

  /** A live Patina access token for any of Patina's audiences, with its credential. */
  async #live(token: string, name: 'subject_token' | 'actor_token') {
    try {
      return await this.deps.bearer.inspect(token, { anyAudience: true });
    } catch (error) {
      if (!(error instanceof AccessTokenError)) throw error;
      throw delegationRefused(
        name === 'subject_token' ? 'subject' : 'actor',
        `The ${name} is not a live Patina access token: ${error.message}`,
      );
    }
  }

  /** The requested scopes, each within the subject's scopes ∩ its owner's rights now. */
  #scopes(
    claims: AccessTokenClaims,
    record: { ownerRoles: string[]; ownerRights: string[] },
    requested: string | undefined,
  ): string[] {
    const held = this.deps.rights.rightsOf({
      roles: record.ownerRoles,
      rights: record.ownerRights,
    });
    const allowed = claims.scope
      .split(' ')
      .map(canonicalScope)
      .filter((scope) => held.has(scope));
    if (allowed.length === 0) throw noGrantableScope();
    if (requested === undefined || requested.trim() === '') return allowed;
    const wanted = new Set(requested.trim().split(/\s+/).map(canonicalScope));
    if (wanted.has(ALL_SCOPES)) return allowed;
    const allowedSet = new Set(allowed);
    for (const scope of wanted) {
      if (!allowedSet.has(scope)) throw scopeNotGranted(scope);
    }
    return [...wanted].sort();
  }

  /** RFC 8693 §4.1: the actor, with the subject's earlier actors nested inside. */
  async #actor(
    request: DelegationRequest,
    subject: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    const { token, type } = request.actor!;
    let actor: Record<string, unknown>;
    if (type === TOKEN_TYPES.accessToken) {
      const { claims } = await this.#live(token, 'actor_token');
      actor = { sub: claims.sub, client_id: claims.client_id };
    } else {
      const { policy, claims } = await this.deps.federated.admit({
        grant: 'token-exchange',
        token,
        policyId: undefined,
        context: request.context,
      });
      actor = { sub: policy.identityId, client_id: policy.id, iss: claims.iss };
    }
    return subject.act ? { ...actor, act: subject.act } : actor;
  }
}
