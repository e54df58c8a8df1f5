import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configFrom, type CommonFlags } from './command-config.js';
import type { Config } from './config/schema.js';
import { backupSqlite, restoreSqlite, type RestoredMasterKey } from './storage/backup.js';
import { findMasterKey, MASTER_KEY_FILE } from './tokens/master-key.js';

/**
 * Backup and restore are SQLite's: PostgreSQL has its own tools, and the master key is in neither
 * database.
 */
function refusePostgres(config: Config, command: 'backup' | 'restore'): void {
  if (config.database.url === null) return;
  throw new Error(
    `patina-server ${command} is for SQLite, and database.url (PATINA_DATABASE_URL) is set. ` +
      'Use PostgreSQL\'s tools: `pg_dump -Fc -f patina.dump "$PATINA_DATABASE_URL"` to back up, ' +
      '`pg_restore --no-owner -d "$PATINA_DATABASE_URL" patina.dump` to restore. ' +
      'The master key (masterKey, PATINA_MASTER_KEY) is not in the dump: keep it with the dump, ' +
      'or the dump cannot be used.',
  );
}

/** Where the master key is, as an operator would look for it. */
function masterKeyPlace(config: Config): string {
  return config.masterKey === null
    ? join(config.dataDir, MASTER_KEY_FILE)
    : 'the masterKey setting (PATINA_MASTER_KEY)';
}

/** The master key, for `backup --include-master-key`; never made here, only read. */
function includedMasterKey(config: Config): string {
  const key = findMasterKey({ configured: config.masterKey, dataDir: config.dataDir });
  if (!key) {
    throw new Error(`No master key at ${masterKeyPlace(config)} to include (is --data-dir right?)`);
  }
  return key.toString('base64');
}

/** A consistent copy of the running server's SQLite database (SQLite's online backup). */
export async function backup(
  flags: CommonFlags & { out: string; includeMasterKey?: boolean },
): Promise<void> {
  const config = configFrom(flags);
  refusePostgres(config, 'backup');
  const out = resolve(flags.out);
  const masterKey = flags.includeMasterKey ? includedMasterKey(config) : undefined;
  const { source, pages, bytes } = await backupSqlite({ dataDir: config.dataDir, out, masterKey });
  process.stderr.write(
    `Backed up ${source} to ${out} (${pages} pages, ${bytes} bytes, mode 0600) with SQLite's ` +
      'online backup: a consistent copy, taken while the server runs.\n' +
      (masterKey === undefined
        ? `The master key is NOT in the backup. Keep it with the backup (${masterKeyPlace(config)}), ` +
          'stored as carefully: without it the backup cannot be used.\n'
        : `WARNING: the master key is inside ${out} (--include-master-key): the file is now as ` +
          'secret as the key itself. Whoever reads it can decrypt the signing keys and sign ' +
          'access tokens; keep it encrypted, where only you can read it.\n'),
  );
}

/** Restores a backup into a data directory without a database. */
export async function restore(file: string, flags: CommonFlags): Promise<void> {
  const config = configFrom(flags);
  refusePostgres(config, 'restore');
  const masterKeyFile = join(config.dataDir, MASTER_KEY_FILE);
  const restored = await restoreSqlite({
    file: resolve(file),
    dataDir: config.dataDir,
    masterKeyFile,
    configuredMasterKey: config.masterKey,
  });
  const carried: Record<Exclude<RestoredMasterKey, 'absent'>, string> = {
    written: `Wrote the master key the backup carried to ${masterKeyFile} (mode 0600)`,
    present: `The master key the backup carried is the one already in ${masterKeyFile}`,
    configured: 'The master key the backup carried is the configured one (PATINA_MASTER_KEY)',
  };
  const key =
    restored.masterKey !== 'absent'
      ? `${carried[restored.masterKey]}; it was removed from the restored database.`
      : config.masterKey === null && !existsSync(masterKeyFile)
        ? `The backup does not carry the master key: put the key it was taken with at ${masterKeyFile} ` +
          '(mode 0600), or set PATINA_MASTER_KEY, before you start the server.'
        : `The backup does not carry the master key: ${masterKeyPlace(config)} must hold the key ` +
          'it was taken with.';
  process.stderr.write(
    `Restored ${resolve(file)} into ${restored.target} (mode 0600; PRAGMA integrity_check: ok).\n${key}\n`,
  );
}
