import type { Db } from './database.js';
import { lockForTransaction } from './dialect.js';
import type { RecordChange } from './change-feed.js';
import type { SigningKeyRow } from './tables.js';

/**
 * Two key sets are kept alike: the access-token keys (`signing_keys`) and the Shared Signals
 * transmitter's (`ssf_signing_keys`); the tables have the same columns.
 */
export type KeyTable = 'signing_keys' | 'ssf_signing_keys';

export class SigningKeysRepository {
  // Kysely types each table on its own; both have SigningKeyRow's columns.
  readonly #table: 'signing_keys';
  readonly #lockName: string;

  constructor(
    private readonly db: Db,
    private readonly record: RecordChange,
    table: KeyTable = 'signing_keys',
  ) {
    this.#table = table as 'signing_keys';
    this.#lockName = table === 'signing_keys' ? 'patina:signing-keys' : `patina:${table}`;
  }

  async insert(key: SigningKeyRow): Promise<void> {
    await this.db.insertInto(this.#table).values(key).execute();
    await this.record({ kind: 'keys' });
  }

  /**
   * Inside a transaction: waits until no other node is changing the keys, so the first key is
   * made once and a scheduled rotation happens once however many nodes find it due.
   */
  async lock(): Promise<void> {
    await lockForTransaction(this.db, this.#lockName);
  }

  /** Every key, newest first. */
  async all(): Promise<SigningKeyRow[]> {
    return this.db
      .selectFrom(this.#table)
      .selectAll()
      .orderBy('created', 'desc')
      .orderBy('kid')
      .execute();
  }

  /** Stops the signing key(s) from signing; they still verify until `verifyUntil`. */
  async retireActive(retiredAt: string, verifyUntil: string): Promise<void> {
    await this.db
      .updateTable(this.#table)
      .set({ retired: retiredAt, verify_until: verifyUntil })
      .where('retired', 'is', null)
      .execute();
    await this.record({ kind: 'keys' });
  }
}
