import type { IntrospectionResponse } from '@patina/contract';
import { RIGHTS } from '@patina/contract';
import { AccessTokenError } from '../tokens/access-tokens.js';
import type { BearerAuthenticator } from '../auth/bearer.js';

/** Who asks: the PAT it authenticated as, and the rights that PAT carries. */
export interface OAuthCaller {
  patId: string;
  rights: ReadonlySet<string>;
  /**
   * Set when the caller came with a bearer token: its PAT's expiry (null: never), for the
   * `Patina-Token-Expiration` header every bearer-authenticated answer carries.
   */
  bearerPatExpirationDate?: string | null;
}

const INACTIVE = { active: false } as const;
/** Longer than any token Patina signs; not worth parsing. */
const MAX_TOKEN_LENGTH = 8192;

/**
 * RFC 7662 token introspection. Any token that is not live right now (bad signature, expired,
 * revoked, its PAT deleted or expired, its owner disabled) is `{ "active": false }` and nothing
 * more (§2.2). A caller without the introspection right sees only tokens of its own PAT.
 */
export class Introspection {
  constructor(private readonly deps: { bearer: BearerAuthenticator }) {}

  async introspect(caller: OAuthCaller, token: string): Promise<IntrospectionResponse> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return INACTIVE;
    let claims;
    try {
      ({ claims } = await this.deps.bearer.inspect(token, { anyAudience: true }));
    } catch (error) {
      if (error instanceof AccessTokenError) return INACTIVE;
      throw error;
    }
    if (!caller.rights.has(RIGHTS.introspect) && claims.client_id !== caller.patId) {
      return INACTIVE;
    }
    return {
      active: true,
      scope: claims.scope,
      client_id: claims.client_id,
      sub: claims.sub,
      exp: claims.exp,
      iat: claims.iat,
      iss: claims.iss,
      jti: claims.jti,
      aud: claims.aud,
      token_type: claims.cnf === undefined ? 'Bearer' : 'DPoP',
      username: claims.user_name,
      ...(claims.allowed_cidrs !== undefined && { allowed_cidrs: claims.allowed_cidrs }),
      ...(claims.cnf !== undefined && { cnf: { jkt: claims.cnf.jkt } }),
    };
  }
}
