import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { DEFAULT_MIGRATION_TABLE } from 'kysely';
import { isMasterKey } from '../config/load.js';
import { SQLITE_FILE } from './database.js';

/**
 * Backup and restore of the SQLite database (docs/deployment.md, "Backup and restore"). A backup
 * is taken with SQLite's online backup API while the server runs: one read transaction copies
 * every page, so the copy is the database as of one commit, never a file torn by a write in
 * progress. PostgreSQL has its own tools (pg_dump, pg_restore); these are for SQLite only.
 */

/** The table a backup taken with `--include-master-key` carries the key in; restore removes it. */
export const MASTER_KEY_TABLE = 'patina_backup_master_key';

/**
 * Pages copied per step of the online backup: all of them, in one step. The server's writes
 * between two steps would make SQLite start the copy again, so a busy server could keep a
 * page-by-page backup from ever finishing; one step holds a read transaction, which in WAL mode
 * does not hold the server's writers back.
 */
const ALL_PAGES = 0x7fffffff;

export interface BackupResult {
  /** The database that was copied. */
  source: string;
  pages: number;
  bytes: number;
}

/**
 * Copies `<dataDir>/patina.db` into `out` (mode 0600), which must not exist yet; with `masterKey`
 * the key goes into the copy too (MASTER_KEY_TABLE). The copy is written beside `out` and linked
 * into place when complete, so `out` is never a half-written file.
 */
export async function backupSqlite(options: {
  dataDir: string;
  out: string;
  masterKey?: string | undefined;
}): Promise<BackupResult> {
  const source = join(options.dataDir, SQLITE_FILE);
  if (!existsSync(source)) {
    throw new Error(`No database at ${source}: nothing to back up (is --data-dir right?)`);
  }
  if (existsSync(options.out)) throw outExists(options.out);
  if (!existsSync(dirname(options.out))) {
    throw new Error(`${dirname(options.out)} does not exist: make the directory for --out first`);
  }
  const db = new SQLite(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    if (!hasTable(db, DEFAULT_MIGRATION_TABLE)) {
      throw new Error(
        `${source} is not a Patina database: it has no ${DEFAULT_MIGRATION_TABLE} table`,
      );
    }
    const partial = join(dirname(options.out), `.${basename(options.out)}.${process.pid}.partial`);
    try {
      createPrivate(partial);
      const { totalPages } = await db.backup(partial, { progress: () => ALL_PAGES });
      const copy = new SQLite(partial, { fileMustExist: true });
      try {
        // One self-contained file: no -wal beside it to forget when it is moved.
        copy.pragma('journal_mode = DELETE');
        if (options.masterKey !== undefined) {
          copy.exec(`create table ${MASTER_KEY_TABLE} (key text not null)`);
          copy.prepare(`insert into ${MASTER_KEY_TABLE} (key) values (?)`).run(options.masterKey);
        }
        const integrity = integrityCheck(copy);
        if (integrity !== 'ok')
          throw new Error(`The copy failed PRAGMA integrity_check: ${integrity}`);
      } finally {
        copy.close();
      }
      linkInto(partial, options.out, () => outExists(options.out));
      return { source, pages: totalPages, bytes: statSync(options.out).size };
    } finally {
      rmSync(partial, { force: true });
      rmSync(`${partial}-journal`, { force: true });
    }
  } finally {
    db.close();
  }
}

/** What became of the master key a backup carried, or did not. */
export type RestoredMasterKey =
  /** The backup carried it; it was written to the data directory's key file. */
  | 'written'
  /** The backup carried it, and the key file already there holds the same key. */
  | 'present'
  /** The backup carried it, and the configured masterKey is the same key. */
  | 'configured'
  /** The backup did not carry it. */
  | 'absent';

export interface RestoreResult {
  /** The database file written. */
  target: string;
  masterKey: RestoredMasterKey;
}

/**
 * Restores a backup into a data directory that has no database yet. The file must pass
 * `PRAGMA integrity_check` and be a Patina database. A master key the backup carries is written
 * to `masterKeyFile` (mode 0600) unless that file, or the configured key, already holds it (a
 * different key there is refused), and is removed from the restored database.
 */
export async function restoreSqlite(options: {
  file: string;
  dataDir: string;
  masterKeyFile: string;
  configuredMasterKey: string | null;
}): Promise<RestoreResult> {
  const { file, dataDir, masterKeyFile } = options;
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const target = join(dataDir, SQLITE_FILE);
  for (const path of [target, `${target}-wal`, `${target}-shm`]) {
    if (existsSync(path)) throw databaseExists(file, dataDir, path);
  }
  const backup = openBackup(file);
  try {
    const key = carriedKey(backup, file);
    const masterKey = key === undefined ? 'absent' : placeKey(key, options, file);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const partial = join(dataDir, `.${SQLITE_FILE}.${process.pid}.partial`);
    try {
      createPrivate(partial);
      await backup.backup(partial, { progress: () => ALL_PAGES });
      if (key !== undefined) dropKeyTable(partial);
      linkInto(partial, target, () => databaseExists(file, dataDir, target));
    } finally {
      rmSync(partial, { force: true });
      rmSync(`${partial}-journal`, { force: true });
    }
    if (masterKey === 'written') {
      writeFileSync(masterKeyFile, `${key}\n`, { mode: 0o600, flag: 'wx' });
    }
    return { target, masterKey };
  } finally {
    backup.close();
  }
}

/** Opens a backup read-only and checks it is whole and a Patina database. */
function openBackup(file: string): SQLite.Database {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    let integrity: string;
    try {
      integrity = integrityCheck(db);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_NOTADB') {
        throw new Error(`${file} is not a SQLite database`, { cause: error });
      }
      throw error;
    }
    if (integrity !== 'ok') {
      throw new Error(`${file} is damaged: PRAGMA integrity_check says: ${integrity}`);
    }
    if (!hasTable(db, DEFAULT_MIGRATION_TABLE)) {
      throw new Error(
        `${file} is not a Patina database: it has no ${DEFAULT_MIGRATION_TABLE} table`,
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The master key a backup carries, checked; undefined when it carries none. */
function carriedKey(db: SQLite.Database, file: string): string | undefined {
  if (!hasTable(db, MASTER_KEY_TABLE)) return undefined;
  const rows = db.prepare(`select key from ${MASTER_KEY_TABLE}`).pluck().all();
  const [key] = rows;
  if (rows.length !== 1 || typeof key !== 'string' || !isMasterKey(key)) {
    throw new Error(`${file} carries a master key table, but not one 32-byte base64 key`);
  }
  return key;
}

/** Where a carried key goes; refuses a different key already in use. Writes nothing. */
function placeKey(
  key: string,
  options: { masterKeyFile: string; configuredMasterKey: string | null },
  file: string,
): RestoredMasterKey {
  if (options.configuredMasterKey !== null) {
    if (options.configuredMasterKey === key) return 'configured';
    throw new Error(
      `Not restoring ${file}: it carries a master key that differs from the configured masterKey ` +
        '(PATINA_MASTER_KEY), which the server would use instead and could not read the restored ' +
        'signing keys with. Unset it to use the key in the backup, or restore a backup taken with it.',
    );
  }
  if (!existsSync(options.masterKeyFile)) return 'written';
  if (readFileSync(options.masterKeyFile, 'utf8').trim() === key) return 'present';
  throw new Error(
    `Not restoring ${file}: it carries a master key that differs from the one in ` +
      `${options.masterKeyFile}. Move that file away if the backup's key is the right one.`,
  );
}

/**
 * Removes the master key from a restored database. secure_delete overwrites the freed pages and
 * the in-memory journal keeps the old pages off the disk, so no copy of the key is left behind.
 */
function dropKeyTable(file: string): void {
  const db = new SQLite(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = MEMORY');
    db.pragma('secure_delete = ON');
    db.exec(`drop table ${MASTER_KEY_TABLE}`);
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

function hasTable(db: SQLite.Database, name: string): boolean {
  return (
    db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(name) !==
    undefined
  );
}

/** `ok`, or the first problems integrity_check found. */
function integrityCheck(db: SQLite.Database): string {
  const lines = db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
  return lines
    .slice(0, 5)
    .map((line) => line.integrity_check)
    .join('; ');
}

function outExists(out: string): Error {
  return new Error(`${out} already exists: a backup never overwrites a file; choose another --out`);
}

function databaseExists(file: string, dataDir: string, path: string): Error {
  return new Error(
    `Not restoring ${file}: ${dataDir} already has a database (${path}). ` +
      'Restore into a data directory without one: move it away, or choose another --data-dir.',
  );
}

/** An empty file only this user may read; SQLite gives its journal the file's mode too. */
function createPrivate(file: string): void {
  closeSync(openSync(file, 'wx', 0o600));
}

/** Puts a complete file at its name, refusing (never replacing) one that appeared meanwhile. */
function linkInto(partial: string, file: string, refusal: () => Error): void {
  try {
    linkSync(partial, file);
  } catch (error) {
    throw (error as NodeJS.ErrnoException).code === 'EEXIST' ? refusal() : error;
  }
}
