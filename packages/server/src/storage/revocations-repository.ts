import type { Db } from './database.js';
import type { RecordChange } from './change-feed.js';

/** The RFC 7009 deny-list: revoked access tokens by jti, until they would have expired. */
export class RevocationsRepository {
  constructor(
    private readonly db: Db,
    private readonly record: RecordChange,
  ) {}

  /** Idempotent: revoking a revoked token again changes nothing. */
  async revoke(entry: {
    jti: string;
    clientId: string;
    expiresAt: string;
    revokedAt: string;
  }): Promise<void> {
    await this.db
      .insertInto('revoked_tokens')
      .values({
        jti: entry.jti,
        client_id: entry.clientId,
        expires_at: entry.expiresAt,
        revoked_at: entry.revokedAt,
      })
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
    await this.record({ kind: 'revocation', jti: entry.jti });
  }

  async isRevoked(jti: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('revoked_tokens')
      .select('jti')
      .where('jti', '=', jti)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Drops entries whose tokens have expired: they are refused for their `exp` alone. */
  async prune(now: string): Promise<number> {
    const result = await this.db
      .deleteFrom('revoked_tokens')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
