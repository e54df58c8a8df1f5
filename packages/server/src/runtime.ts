import type { Logger } from 'pino';
import { createServices, type Services } from './app.js';
import type { Config } from './config/schema.js';
import { ChangeFeed, PostgresChangeListener } from './storage/change-feed.js';
import { openDatabase } from './storage/database.js';
import { migrateToLatest } from './storage/migrate.js';
import { changeChannel, Storage } from './storage/repositories.js';
import { resolveMasterKey } from './tokens/master-key.js';

export interface OpenStorageOptions {
  logger?: Logger | undefined;
  /**
   * Listen for other nodes' changes (PostgreSQL). A server does; a one-shot CLI command, which
   * keeps no caches, does not.
   */
  listen?: boolean;
  /** Hears the names of the migrations this start applied. */
  onMigrated?: (names: string[]) => void;
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
  });
  const channel = changeChannel(opened.schema);
  const feed =
    opened.clientConfig && options.listen !== false
      ? new PostgresChangeListener(opened.clientConfig, channel, options.logger)
      : new ChangeFeed();
  const storage = new Storage(opened.db, feed, channel);
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
    return await createServices({ config, storage, masterKey, logger: options.logger });
  } catch (error) {
    await storage.close();
    throw error;
  }
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
