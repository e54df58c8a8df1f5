import type { Db } from './database.js';
import { lockForTransaction } from './dialect.js';
import type { RecordChange } from './change-feed.js';
import type { SigningKeyRow } from './tables.js';

export class SigningKeysRepository {
  constructor(
    private readonly db: Db,
    private readonly record: RecordChange,
  ) {}

  async insert(key: SigningKeyRow): Promise<void> {
    await this.db.insertInto('signing_keys').values(key).execute();
    await this.record({ kind: 'keys' });
  }

  /**
   * Inside a transaction: waits until no other node is changing the keys, so the first key is
   * made once and a scheduled rotation happens once however many nodes find it due.
   */
  async lock(): Promise<void> {
    await lockForTransaction(this.db, 'patina:signing-keys');
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
    await this.record({ kind: 'keys' });
  }
}
