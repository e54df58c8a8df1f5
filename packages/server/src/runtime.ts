import type { Logger } from 'pino';
import { createServices, type Services } from './app.js';
import type { Config } from './config/schema.js';
import { listenForScrapes, type MetricsListener } from './metrics/listener.js';
import { ChangeFeed, PostgresChangeListener } from './storage/change-feed.js';
import { openDatabase } from './storage/database.js';
import { migrateToLatest } from './storage/migrate.js';
import { changeChannel, Storage } from './storage/repositories.js';
import { resolveMasterKey } from './tokens/master-key.js';
import type { Tracing } from './tracing/tracing.js';

export interface OpenStorageOptions {
  logger?: Logger | undefined;
  /**
   * Listen for other nodes' changes (PostgreSQL). A server does; a one-shot CLI command, which
   * keeps no caches, does not.
   */
  listen?: boolean;
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
  const feed =
    opened.clientConfig && options.listen !== false
      ? new PostgresChangeListener(opened.clientConfig, channel, options.logger)
      : new ChangeFeed();
  const storage = new Storage(opened.db, feed, channel, opened.pool);
  try {
    const applied = await migrate(config, opened.schema, storage);
    if (applied.length > 0) options.logger?.info({ migrations: applied }, 'database migrated');
    options.onMigrated?.(applied);
    if (feed instanceof PostgresChangeListener) await feed.ready();
    return storage;
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/** Opens storage, migrates it and builds the services: what `serve` and `admin` share. */
export async function openRuntime(
  config: Config,
  options: OpenStorageOptions = {},
): Promise<Services> {
  const storage = await openStorage(config, options);
  try {
    const masterKey = resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir });
    return await createServices({
      config,
      storage,
      masterKey,
      logger: options.logger,
      ...(options.tracing && { tracing: options.tracing }),
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
  storage: Storage,
): Promise<string[]> {
  if (storage.dialect === 'sqlite') return migrateToLatest(storage.db);
  const { db } = openDatabase({
    dataDir: config.dataDir,
    database: config.database,
    forMigrations: true,
  });
  try {
    return await migrateToLatest(db, { schema });
  } finally {
    await db.destroy();
  }
}
