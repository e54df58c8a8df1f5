import type { AuditLog } from '../audit/audit-log.js';
import type { AuditContext } from '../access/context.js';
import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/repositories.js';
import { AccessTokenError, type AccessTokens } from '../tokens/access-tokens.js';
import { tokenNotIssuedToClient } from './errors.js';
import type { OAuthCaller } from './introspection.js';

/**
 * RFC 7009 revocation of access tokens. A client revokes tokens issued to it; the token's jti
 * goes on a deny-list that Patina's API and introspection check, kept until the token would have
 * expired anyway. An invalid, expired or unknown token is answered 200 all the same (§2.2).
 */
export class Revocation {
  constructor(
    private readonly deps: {
      storage: Storage;
      accessTokens: AccessTokens;
      audit: AuditLog;
      clock: Clock;
    },
  ) {}

  async revoke(caller: OAuthCaller, token: string, context: AuditContext): Promise<void> {
    let claims;
    try {
      claims = await this.deps.accessTokens.verify(token, { anyAudience: true });
    } catch (error) {
      // Only a bad token is "nothing to revoke" (§2.2); a key lookup that could not reach the
      // database must not answer 200 as if the token were gone.
      if (error instanceof AccessTokenError) return;
      throw error;
    }
    if (claims.client_id !== caller.patId) {
      throw tokenNotIssuedToClient();
    }
    const now = this.deps.clock.now().toISOString();
    await this.deps.storage.transaction(async (repos) => {
      await repos.revocations.revoke({
        jti: claims.jti,
        clientId: claims.client_id,
        expiresAt: new Date(claims.exp * 1000).toISOString(),
        revokedAt: now,
      });
      await this.deps.audit.record(repos, {
        type: 'ACCESS_TOKEN_REVOKED',
        context,
        target: { type: 'PERSONAL_ACCESS_TOKEN', id: claims.client_id, name: null },
        details: { jti: claims.jti },
      });
    });
  }
}
