import type { Logger } from 'pino';
import { createServices, type Services } from './app.js';
import type { ServicesOptions } from './services.js';
import type { Config } from './config/schema.js';
import { listenForScrapes, type MetricsListener } from './metrics/listener.js';
import { join } from 'node:path';
import { ChangeFeed, PostgresChangeListener } from './storage/change-feed.js';
import { openDatabase, SQLITE_FILE, type Db } from './storage/database.js';
import { dialectOf } from './storage/dialect.js';
import { SqliteChangeFeed } from './storage/sqlite-change-feed.js';
import { migrateToLatest } from './storage/migrate.js';
import { changeChannel, Storage } from './storage/repositories.js';
import { resolveMasterKey } from './tokens/master-key.js';
import type { Tracing } from './tracing/tracing.js';

export interface OpenStorageOptions {
  logger?: Logger | undefined;
  /**
   * Listen for other nodes' and processes' changes (PostgreSQL's NOTIFY, SQLite's change table).
   * A server does; a one-shot CLI command, which keeps no caches, does not.
   */
  listen?: boolean;
  /**
   * Bring the schema up to date (the default). A worker does not: its primary migrated before
   * starting it (docs/operations.md, "Workers").
   */
  migrate?: boolean;
  /** Hears the names of the migrations this start applied. */
  onMigrated?: (names: string[]) => void;
  /** A server's tracing (`startTracing`): its queries become spans, and `Services.close()` ends it. */
  tracing?: Tracing;
}

/** Opens the configured database (SQLite or PostgreSQL) and brings its schema up to date. */
export async function openStorage(
  config: Config,
  options: OpenStorageOptions = {},
): Promise<Storage> {
  const opened = openDatabase({
    dataDir: config.dataDir,
    database: config.database,
    logger: options.logger,
    tracing: options.tracing,
  });
  const channel = changeChannel(opened.schema);
  const listen = options.listen !== false;
  let feed: ChangeFeed | undefined;
  try {
    if (opened.clientConfig && listen) {
      feed = new PostgresChangeListener(opened.clientConfig, channel, options.logger);
    }
    const applied =
      options.migrate === false ? [] : await migrate(config, opened.schema, opened.db);
    if (applied.length > 0) options.logger?.info({ migrations: applied }, 'database migrated');
    options.onMigrated?.(applied);
    // SQLite: the feed reads the change table, which the migrations made.
    if (!feed && opened.dialect === 'sqlite' && listen && config.dataDir !== ':memory:') {
      feed = new SqliteChangeFeed(join(config.dataDir, SQLITE_FILE), options.logger);
    }
    if (feed instanceof PostgresChangeListener) await feed.ready();
  } catch (error) {
    await feed?.close();
    await opened.db.destroy();
    throw error;
  }
  return new Storage(opened.db, feed ?? new ChangeFeed(), channel, opened.pool, opened.lockWaits);
}

/** What a worker adds: its line to the primary's counts, and whether it runs background work. */
export type RuntimeOptions = OpenStorageOptions & Pick<ServicesOptions, 'shared' | 'background'>;

/** Opens storage, migrates it and builds the services: what `serve` and `admin` share. */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Services> {
  const storage = await openStorage(config, options);
  try {
    const masterKey = resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir });
    return await createServices({
      config,
      storage,
      masterKey,
      logger: options.logger,
      ...(options.tracing && { tracing: options.tracing }),
      ...(options.shared && { shared: options.shared }),
      // What does not listen (a one-shot command, a primary before its workers) pushes nothing.
      background: options.background ?? options.listen !== false,
    });
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/**
 * The scrape listener on `metrics.host`:`metrics.port` (docs/operations.md, "Metrics"), started
 * and closed with the public listener; undefined when metrics are off (`metrics.port` null).
 */
export async function listenForMetrics(services: Services): Promise<MetricsListener | undefined> {
  const { host, port } = services.config.metrics;
  if (port === null) return undefined;
  return listenForScrapes(services.metrics, { host, port });
}

/** Migrations run on a connection of their own on PostgreSQL, free of statement timeouts. */
async function migrate(
  config: Config,
  schema: string | null | undefined,
  db: Db,
): Promise<string[]> {
  if (dialectOf(db) === 'sqlite') return migrateToLatest(db);
  const { db: own } = openDatabase({
    dataDir: config.dataDir,
    database: config.database,
    forMigrations: true,
  });
  try {
    return await migrateToLatest(own, { schema });
  } finally {
    await own.destroy();
  }
}
