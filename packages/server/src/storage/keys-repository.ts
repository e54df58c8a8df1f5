import type { Db } from './database.js';
import type { SigningKeyRow } from './tables.js';

export class SigningKeysRepository {
  constructor(private readonly db: Db) {}

  async insert(key: SigningKeyRow): Promise<void> {
    await this.db.insertInto('signing_keys').values(key).execute();
  }

  /** Every key, newest first. */
  async all(): Promise<SigningKeyRow[]> {
    return this.db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('created', 'desc')
      .orderBy('kid')
      .execute();
  }

  /** Stops the signing key(s) from signing; they still verify until `verifyUntil`. */
  async retireActive(retiredAt: string, verifyUntil: string): Promise<void> {
    await this.db
      .updateTable('signing_keys')
      .set({ retired: retiredAt, verify_until: verifyUntil })
      .where('retired', 'is', null)
      .execute();
  }
}
