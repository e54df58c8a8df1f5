import { AuditRepository } from './audit-repository.js';
import type { Db } from './database.js';
import { IdentitiesRepository } from './identities-repository.js';
import { SigningKeysRepository } from './keys-repository.js';
import { PatsRepository } from './pats-repository.js';
import { RevocationsRepository } from './revocations-repository.js';
import { SettingsRepository } from './settings-repository.js';

export interface Repositories {
  identities: IdentitiesRepository;
  pats: PatsRepository;
  audit: AuditRepository;
  signingKeys: SigningKeysRepository;
  settings: SettingsRepository;
  revocations: RevocationsRepository;
}

function bind(db: Db): Repositories {
  return {
    identities: new IdentitiesRepository(db),
    pats: new PatsRepository(db),
    audit: new AuditRepository(db),
    signingKeys: new SigningKeysRepository(db),
    settings: new SettingsRepository(db),
    revocations: new RevocationsRepository(db),
  };
}

/** The storage the services see: repositories, and a way to run several writes atomically. */
export class Storage {
  readonly repos: Repositories;

  constructor(readonly db: Db) {
    this.repos = bind(db);
  }

  /** Runs `work` in one transaction: every write in it lands, or none does. */
  async transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(bind(trx)));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
