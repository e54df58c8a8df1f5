import {
  PostgresAdapter,
  sql,
  type ColumnDataType,
  type Expression,
  type Kysely,
  type RawBuilder,
} from 'kysely';

/**
 * Everything that differs between SQLite and PostgreSQL, in one place. Repositories and
 * migrations are written once against Kysely; where the two databases disagree (column types,
 * error codes, locks, notifications), they ask here.
 */
export type DialectName = 'sqlite' | 'postgres';

// Migrations and repositories take any Kysely instance: these helpers do not care about tables.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyDb = Kysely<any>;

export function dialectOf(db: AnyDb): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * A short text column that compares and sorts byte by byte on both databases. SQLite compares
 * text with BINARY; PostgreSQL uses the database's collation (en_US would put `b` before `C` and
 * skip punctuation in ISO dates), so its columns are declared with the C collation.
 */
export function varchar(db: AnyDb, length: number): ColumnDataType | Expression<unknown> {
  return dialectOf(db) === 'postgres'
    ? sql`varchar(${sql.raw(String(length))}) collate "C"`
    : (`varchar(${length})` as ColumnDataType);
}

/** An integer key the database numbers itself (the audit log's insertion order). */
export function serialKeyType(db: AnyDb): ColumnDataType {
  return dialectOf(db) === 'postgres' ? 'serial' : 'integer';
}

/** SQLite needs AUTOINCREMENT spelled out; PostgreSQL's serial type already is one. */
export function needsAutoIncrement(db: AnyDb): boolean {
  return dialectOf(db) === 'sqlite';
}

/** Unique-constraint violations: better-sqlite3's code and PostgreSQL's SQLSTATE 23505. */
export function isUniqueViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/** Node's socket errors when the database cannot be reached at all. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/**
 * Errors that mean "the database is not there right now", not "this request is wrong": the
 * request gets a 503 and may be retried; the node recovers when the database does. PostgreSQL:
 * SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, crash, starting up), 53300
 * (too many connections), and node-postgres's own messages for a lost connection or a pool
 * wait that timed out. SQLite: the file stayed locked past busy_timeout.
 */
export function isUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as Error).cause, depth++) {
    const code = errorCode(e);
    if (code !== undefined) {
      if (SOCKET_CODES.has(code) || code.startsWith('08')) return true;
      if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
      if (code === 'SQLITE_BUSY') return true;
    }
    const message = e instanceof Error ? e.message : '';
    if (
      /^Connection terminated|^Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/.test(
        message,
      )
    ) {
      return true;
    }
  }
  return false;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A lock held until the end of the current transaction, for work that must happen once across
 * every node (making the first signing key, a scheduled rotation). PostgreSQL: an advisory
 * transaction lock on the name's hash. SQLite: one node, and a write transaction already
 * excludes the other writers, so nothing is needed.
 */
export async function lockForTransaction(db: AnyDb, name: string): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    await sql`select pg_advisory_xact_lock(${advisoryKey(name)})`.execute(db);
  }
}

/**
 * The advisory lock key of a name: its hash within the current schema, since advisory locks are
 * database-wide and two Patinas may share a database in schemas of their own
 * (`database.schema`): they must not wait on each other's locks.
 */
export function advisoryKey(name: string) {
  return sql<number>`hashtext(current_schema() || ':' || ${name})`;
}

/**
 * Like lockForTransaction, but gives up at once when another node holds the lock: false then.
 * For sweeps that one node at a time should do, where the others may simply skip a round.
 * SQLite: one node, so always true.
 */
export async function tryLockForTransaction(db: AnyDb, name: string): Promise<boolean> {
  if (dialectOf(db) !== 'postgres') return true;
  const { rows } = await sql<{
    locked: boolean;
  }>`select pg_try_advisory_xact_lock(${advisoryKey(name)}) as locked`.execute(db);
  return rows[0]?.locked === true;
}

/**
 * Tells every other node sharing the database that something changed (PostgreSQL NOTIFY; inside
 * a transaction it is sent on commit, and not at all on rollback). SQLite has no other nodes.
 */
export async function notify(db: AnyDb, channel: string, payloads: string[]): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  for (const payload of payloads) {
    await sql`select pg_notify(${channel}, ${payload})`.execute(db);
  }
}

/** One cheap round trip, for the readiness check. */
export async function ping(db: AnyDb): Promise<void> {
  await sql`select 1`.execute(db);
}

/**
 * Whether claims lock rows (`FOR UPDATE SKIP LOCKED`): PostgreSQL does, so nodes sharing the
 * database never claim the same row twice at once. SQLite cannot and need not: it serves one
 * node, and takes the whole database's write lock for any write.
 */
export function supportsRowLocks(db: AnyDb): boolean {
  return dialectOf(db) === 'postgres';
}

/**
 * An integer field of a JSON text column, or null where it is absent: SQLite's json_extract,
 * PostgreSQL's `->>` cast to integer. `key` is a constant of the caller's, never user input.
 */
export function jsonInteger(db: AnyDb, column: string, key: string): RawBuilder<number | null> {
  return dialectOf(db) === 'postgres'
    ? sql<number | null>`(${sql.ref(column)}::json ->> ${sql.lit(key)})::integer`
    : sql<number | null>`json_extract(${sql.ref(column)}, ${sql.lit(`$.${key}`)})`;
}
