import type { Logger } from 'pino';
import { createServices, type Services } from './app.js';
import type { Config } from './config/schema.js';
import { openDatabase } from './storage/database.js';
import { migrateToLatest } from './storage/migrate.js';
import { Storage } from './storage/repositories.js';
import { resolveMasterKey } from './tokens/master-key.js';

/** Opens storage, migrates it and builds the services: what `serve` and `admin` share. */
export async function openRuntime(config: Config, logger?: Logger): Promise<Services> {
  const storage = new Storage(openDatabase({ dataDir: config.dataDir }));
  try {
    const applied = await migrateToLatest(storage.db);
    if (applied.length > 0) logger?.info({ migrations: applied }, 'database migrated');
    const masterKey = resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir });
    return await createServices({ config, storage, masterKey });
  } catch (error) {
    await storage.close();
    throw error;
  }
}
