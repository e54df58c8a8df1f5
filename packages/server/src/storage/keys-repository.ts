import type { Db } from './database.js';
import type { SigningKeyRow } from './tables.js';

export class SigningKeysRepository {
  constructor(private readonly db: Db) {}

  async insert(key: SigningKeyRow): Promise<void> {
    await this.db.insertInto('signing_keys').values(key).execute();
  }

  /** Every key, newest first. */
  async all(): Promise<SigningKeyRow[]> {
    return this.db.selectFrom('signing_keys').selectAll().orderBy('created', 'desc').execute();
  }
}
