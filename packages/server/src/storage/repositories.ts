import { AccessReviewsRepository } from './access-reviews-repository.js';
import { AuditRepository } from './audit-repository.js';
import { ConsoleSessionsRepository } from './console-sessions-repository.js';
import { DeliveriesRepository } from './deliveries-repository.js';
import { ExpiryWarningsRepository } from './expiry-warnings-repository.js';
import { NotificationSubjectsRepository } from './notification-subjects-repository.js';
import { OverviewRepository } from './overview-repository.js';
import { WebhooksRepository } from './webhooks-repository.js';
import { encodeChange, type Change, type ChangeFeed, type RecordChange } from './change-feed.js';
import type { Db, LockWaits, PoolCounts } from './database.js';
import { dialectOf, notify, type DialectName } from './dialect.js';
import { GroupCommit } from './group-commit.js';
import { IdentitiesRepository } from './identities-repository.js';
import { SigningKeysRepository } from './keys-repository.js';
import { PatCredentialsRepository } from './pat-credentials-repository.js';
import { PatExpiryRepository } from './pat-expiry-repository.js';
import { PatLifecycleRepository } from './pat-lifecycle-repository.js';
import { PatUseSourcesRepository } from './pat-use-sources-repository.js';
import { PatUsageRepository } from './pat-usage-repository.js';
import { PatRequestsRepository } from './pat-requests-repository.js';
import { PatsRepository } from './pats-repository.js';
import { RevocationsRepository } from './revocations-repository.js';
import { ScimRepository } from './scim-repository.js';
import { SettingsRepository } from './settings-repository.js';
import { SsfRepository } from './ssf-repository.js';
import { TrustPoliciesRepository } from './trust-policies-repository.js';

export interface Repositories {
  identities: IdentitiesRepository;
  pats: PatsRepository;
  patCredentials: PatCredentialsRepository;
  patExpiry: PatExpiryRepository;
  patLifecycle: PatLifecycleRepository;
  patUseSources: PatUseSourcesRepository;
  patUsage: PatUsageRepository;
  audit: AuditRepository;
  overview: OverviewRepository;
  signingKeys: SigningKeysRepository;
  settings: SettingsRepository;
  revocations: RevocationsRepository;
  webhooks: WebhooksRepository;
  deliveries: DeliveriesRepository;
  expiryWarnings: ExpiryWarningsRepository;
  notificationSubjects: NotificationSubjectsRepository;
  ssf: SsfRepository;
  consoleSessions: ConsoleSessionsRepository;
  ssfSigningKeys: SigningKeysRepository;
  trustPolicies: TrustPoliciesRepository;
  patRequests: PatRequestsRepository;
  accessReviews: AccessReviewsRepository;
  scim: ScimRepository;
}

function bind(db: Db, record: RecordChange): Repositories {
  return {
    identities: new IdentitiesRepository(db, record),
    pats: new PatsRepository(db, record),
    patCredentials: new PatCredentialsRepository(db),
    patExpiry: new PatExpiryRepository(db),
    patLifecycle: new PatLifecycleRepository(db, record),
    patUseSources: new PatUseSourcesRepository(db),
    patUsage: new PatUsageRepository(db),
    audit: new AuditRepository(db),
    overview: new OverviewRepository(db),
    signingKeys: new SigningKeysRepository(db, record),
    settings: new SettingsRepository(db),
    revocations: new RevocationsRepository(db, record),
    webhooks: new WebhooksRepository(db),
    deliveries: new DeliveriesRepository(db),
    expiryWarnings: new ExpiryWarningsRepository(db),
    notificationSubjects: new NotificationSubjectsRepository(db),
    ssf: new SsfRepository(db),
    consoleSessions: new ConsoleSessionsRepository(db, record),
    ssfSigningKeys: new SigningKeysRepository(db, record, 'ssf_signing_keys'),
    trustPolicies: new TrustPoliciesRepository(db, record),
    patRequests: new PatRequestsRepository(db),
    accessReviews: new AccessReviewsRepository(db),
    scim: new ScimRepository(db),
  };
}

/** The NOTIFY channel of one deployment: one per schema, so deployments never hear each other. */
export function changeChannel(schema: string | null | undefined): string {
  return schema ? `patina:${schema}` : 'patina';
}

/**
 * The storage the services see: repositories, a way to run several writes atomically, and the
 * feed that tells this node's caches (and, through PostgreSQL, every other node's) what changed.
 */
export class Storage {
  readonly repos: Repositories;
  readonly dialect: DialectName;
  readonly #group: GroupCommit | undefined;

  constructor(
    readonly db: Db,
    readonly feed: ChangeFeed,
    readonly channel: string = changeChannel(undefined),
    /** PostgreSQL: the pool's connection counts (the pool metric). */
    readonly pool?: PoolCounts,
    /** SQLite: where its waits for the write lock are reported. */
    private readonly lockWaits?: LockWaits,
  ) {
    this.dialect = dialectOf(db);
    this.#group = this.dialect === 'sqlite' ? new GroupCommit(db) : undefined;
    // Outside a transaction each write commits by itself: tell everyone at once.
    this.repos = bind(db, async (change) => {
      await this.#announce(db, [change]);
      feed.publish([change]);
    });
  }

  /**
   * Tells the other processes of `changes`, in the transaction that made them: PostgreSQL's NOTIFY
   * (sent by the commit), or rows of SQLite's change table (read by the other processes on the
   * same file, sqlite-change-feed.ts).
   */
  async #announce(db: Db, changes: readonly Change[]): Promise<void> {
    if (changes.length === 0) return;
    if (this.dialect === 'postgres') {
      await notify(db, this.channel, changes.map(encodeChange));
      return;
    }
    const createdAtMs = Date.now();
    await db
      .insertInto('change_feed')
      .values(
        changes.map((change) => ({
          origin: this.feed.origin,
          payload: encodeChange(change),
          created_at_ms: createdAtMs,
        })),
      )
      .execute();
  }

  /**
   * Runs `work` in one transaction: every write in it lands, or none does. The changes it made
   * are sent to the other nodes by the commit itself (NOTIFY is transactional) and to this
   * node's caches right after it, so no cache on any node outlives the commit by more than the
   * notification's trip.
   */
  async transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    const changes: Change[] = [];
    const unit = async (trx: Db) => {
      const value = await work(
        bind(trx, (change) => {
          changes.push(change);
          return Promise.resolve();
        }),
      );
      await this.#announce(trx, changes);
      return value;
    };
    // SQLite: transactions that arrive together share one commit (GroupCommit); the promise
    // settles after that commit, as a transaction of its own would.
    const result = this.#group
      ? await this.#group.run(unit)
      : await this.db.transaction().execute(unit);
    this.feed.publish(changes);
    return result;
  }

  /** Hears how long each SQLite transaction waited for the write lock; PostgreSQL has none. */
  observeLockWaits(listener: (seconds: number) => void): void {
    if (this.lockWaits) this.lockWaits.listener = listener;
  }

  /** Hears the size of each SQLite group commit (the batch-size metric); PostgreSQL has none. */
  observeGroupCommits(listener: (size: number) => void): void {
    if (this.#group) this.#group.onCommit = listener;
  }

  /**
   * SQLite: forgets change rows older than `olderThanMs` (epoch ms), keeping the newest, whose
   * number tells a process that slept through a prune that it missed some. PostgreSQL keeps none.
   */
  async pruneChanges(olderThanMs: number): Promise<number> {
    if (this.dialect !== 'sqlite') return 0;
    const newest = await this.db
      .selectFrom('change_feed')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    if (newest?.seq == null) return 0;
    const result = await this.db
      .deleteFrom('change_feed')
      .where('created_at_ms', '<', olderThanMs)
      .where('seq', '<', newest.seq)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async close(): Promise<void> {
    await this.feed.close();
    await this.db.destroy();
  }
}
