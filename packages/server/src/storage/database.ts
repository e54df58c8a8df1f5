import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type LogConfig,
  type SqliteDatabase,
} from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { querySpans } from '../tracing/query-spans.js';
import type { Tracing } from '../tracing/tracing.js';
import type { DialectName } from './dialect.js';
import { reportingOutages } from './outage.js';
import type { Database } from './tables.js';

export type Db = Kysely<Database>;

/** The SQLite database's file in the data directory. */
export const SQLITE_FILE = 'patina.db';

export interface OpenDatabaseOptions {
  /** Directory holding `patina.db`; created when missing. `:memory:` for a throwaway database. */
  dataDir: string;
  /** `database.url` null (the default) selects SQLite in dataDir. */
  database?: Config['database'];
  /** Where a lost idle connection is reported; PostgreSQL only. */
  logger?: Pick<Logger, 'warn'> | undefined;
  /**
   * PostgreSQL: one connection without statement timeouts, for migrations, which may wait for
   * another node's migration lock or run long on a large table. Its errors stay the driver's:
   * a migration that cannot connect is a start failure that names the cause, not a 503.
   */
  forMigrations?: boolean;
  /**
   * A span per query when tracing is on (docs/operations.md, "Traces"): Kysely's log hook, which
   * is not registered at all when it is off.
   */
  tracing?: Tracing | undefined;
}

export interface OpenedDatabase {
  db: Db;
  dialect: DialectName;
  /** PostgreSQL only: how to open one more connection, e.g. to LISTEN for other nodes' changes. */
  clientConfig?: pg.ClientConfig;
  /** PostgreSQL only: the schema the tables live in, when one is configured. */
  schema?: string | null;
  /** PostgreSQL only: the pool, for its connection counts. */
  pool?: PoolCounts;
  /** SQLite only: how long each write transaction waited for the file's write lock. */
  lockWaits?: LockWaits;
}

/**
 * Where SQLite's waits for the write lock are reported: with several processes on one file
 * (workers, or a one-shot command beside the server) a transaction's `begin immediate` waits,
 * up to busy_timeout, while another process commits (the lock-wait metric).
 */
export class LockWaits {
  listener: ((seconds: number) => void) | undefined;
}

/** What a pg pool says about its connections (the pool metric). */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

export function openDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  const url = options.database?.url;
  const { tracing } = options;
  const log = (system: 'sqlite' | 'postgresql'): { log?: LogConfig } =>
    tracing?.enabled ? { log: querySpans(tracing, system) } : {};
  return url && options.database
    ? openPostgres(
        url,
        options.forMigrations
          ? { ...options.database, poolMax: 1, statementTimeoutMs: 0 }
          : options.database,
        options.logger,
        options.forMigrations !== true,
        log('postgresql'),
      )
    : openSqlite(options.dataDir, options.logger, log('sqlite'));
}

/**
 * The database holds digests and encrypted keys: only the service's user may read it. The file
 * is made 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database file's
 * mode), and files an older version left wider are narrowed. A data directory others can read
 * is the operator's to fix; it is named in a warning.
 */
function keepPrivate(dataDir: string, file: string, logger?: Pick<Logger, 'warn'>): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger?.warn(
      { dataDir, mode: mode.toString(8) },
      'the data directory is readable by other users; chmod 700 it',
    );
  }
}

/**
 * Opens the embedded SQLite database. WAL lets readers run beside the one writer; `synchronous =
 * FULL` makes every acknowledged commit survive a power cut or `kill -9`, at the cost of an fsync
 * per commit (NORMAL in WAL mode may lose the last commits on power loss). `busy_timeout` makes a
 * second process (a worker, `patina-server admin`) wait for the lock instead of failing, and every
 * transaction begins IMMEDIATE: it takes the write lock at its start, waiting for it there. A
 * deferred one that read first could not wait: when another process committed meanwhile, SQLite
 * refuses its first write at once (SQLITE_BUSY_SNAPSHOT), whatever the timeout.
 */
function openSqlite(
  dataDir: string,
  logger?: Pick<Logger, 'warn'>,
  traced: { log?: LogConfig } = {},
): OpenedDatabase {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    file = join(dataDir, SQLITE_FILE);
    keepPrivate(dataDir, file, logger);
  }
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const lockWaits = new LockWaits();
  // A file locked past busy_timeout is an outage (503), like a lost PostgreSQL connection.
  const db = new Kysely<Database>({
    dialect: reportingOutages(
      new SqliteDialect({ database: withStatementCache(sqlite, lockWaits) }),
    ),
    ...traced,
  });
  return { db, dialect: 'sqlite', lockWaits };
}

/**
 * Opens a pool of PostgreSQL connections. A commit is acknowledged only after PostgreSQL has
 * flushed it to its WAL (its default `synchronous_commit = on`), so acknowledged writes survive
 * the loss of this node and of the database server. A connection that breaks while idle is
 * dropped from the pool and reported, never thrown: the next request opens a fresh one.
 */
function openPostgres(
  url: string,
  settings: Config['database'],
  logger: Pick<Logger, 'warn'> | undefined,
  outagesAsErrors: boolean,
  traced: { log?: LogConfig } = {},
): OpenedDatabase {
  const clientConfig: pg.ClientConfig = {
    connectionString: url,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // 0: no limit (migrations only; the setting's minimum is 100 ms).
    ...(settings.statementTimeoutMs > 0 && {
      statement_timeout: settings.statementTimeoutMs,
      // A server that vanished without closing the socket is noticed by the client, too.
      query_timeout: settings.statementTimeoutMs + settings.connectTimeoutMs,
    }),
    keepAlive: true,
    application_name: 'patina',
    ...(settings.schema !== null && { options: `-c search_path=${settings.schema}` }),
  };
  const pool = new pg.Pool({
    ...clientConfig,
    max: settings.poolMax,
    idleTimeoutMillis: settings.idleTimeoutMs,
  });
  const lost = (err: Error) =>
    logger?.warn({ err: { message: err.message } }, 'database connection lost');
  // The pool reports errors of idle connections; a connection that breaks while checked out with
  // no query running (the server shut down) emits on the client itself, and an 'error' event
  // nobody listens to would end the process.
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  const dialect = new PostgresDialect({ pool });
  return {
    db: new Kysely<Database>({
      dialect: outagesAsErrors ? reportingOutages(dialect) : dialect,
      ...traced,
    }),
    dialect: 'postgres',
    clientConfig,
    schema: settings.schema,
    pool,
  };
}

const STATEMENT_CACHE_SIZE = 256;
/** How long a statement waits for another process's write lock before it is an outage (503). */
const BUSY_TIMEOUT_MS = 5000;
/** How long each of a transaction's tries for the write lock waits. */
const LOCK_TRY_MS = 2;

/**
 * Kysely prepares every query anew; preparing was 7% of the token endpoint's CPU. Queries are
 * built from a small set of shapes with bound parameters, so prepared statements are reused by
 * their SQL text (a bounded, least-recently-used cache: filters can make many shapes).
 */
function withStatementCache(sqlite: SQLite.Database, lockWaits: LockWaits): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  const begin = sqlite.prepare('begin immediate');
  const tryBriefly = sqlite.prepare(`pragma busy_timeout = ${LOCK_TRY_MS}`);
  const waitLong = sqlite.prepare(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Kysely begins every transaction with `begin`: IMMEDIATE instead, its wait for the lock timed.
  // SQLite's own wait sleeps ever longer, up to 100 ms between tries, and is not fair: under a
  // burst from several processes one could sleep through every release for the whole timeout.
  // The lock is asked for every LOCK_TRY_MS instead, for as long as the timeout.
  const beginImmediate = {
    reader: false,
    run: () => {
      const started = performance.now();
      tryBriefly.get();
      try {
        for (;;) {
          try {
            return begin.run();
          } catch (error) {
            const busy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
            if (!busy || performance.now() - started >= BUSY_TIMEOUT_MS) throw error;
          }
        }
      } finally {
        waitLong.get();
        lockWaits.listener?.((performance.now() - started) / 1000);
      }
    },
  } as unknown as SQLite.Statement;
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      if (sql === 'begin') return beginImmediate;
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}
