import type { Db } from './database.js';

/**
 * Recording that PATs expired: the expiry sweep finds the live PATs past their expiry, and each
 * node claims one before recording its _EXPIRED event, so the event is recorded once.
 */
export class PatExpiryRepository {
  constructor(private readonly db: Db) {}

  /** Live PATs past their expiry whose _EXPIRED event is not yet recorded. */
  async findNewlyExpired(now: string, limit: number) {
    return this.db
      .selectFrom('personal_access_tokens')
      .select(['id', 'name', 'owner_id', 'expiration_date'])
      .where('deleted_at', 'is', null)
      .where('expiry_recorded_at', 'is', null)
      .where('expiration_date', '<=', now)
      .orderBy('expiration_date')
      .limit(limit)
      .execute();
  }

  /** Claims the expiry of one PAT for recording; false if another worker claimed it first. */
  async claimExpiry(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('personal_access_tokens')
      .set({ expiry_recorded_at: now })
      .where('id', '=', id)
      .where('expiry_recorded_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
