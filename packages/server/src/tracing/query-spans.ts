import type { CompiledQuery, LogEvent } from 'kysely';
import type { Tracing } from './tracing.js';

/** OpenTelemetry's `db.system.name` of the two databases. */
export type DatabaseSystem = 'sqlite' | 'postgresql';

/** Kysely's query kinds, as the SQL statement they compile to. */
const OPERATIONS: Readonly<Record<string, string>> = {
  SelectQueryNode: 'SELECT',
  InsertQueryNode: 'INSERT',
  UpdateQueryNode: 'UPDATE',
  DeleteQueryNode: 'DELETE',
  MergeQueryNode: 'MERGE',
};

/** The first words of the raw statements Patina runs (transactions, locks, migrations, LISTEN). */
const RAW_OPERATIONS = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'WITH',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'LOCK',
  'SET',
  'PRAGMA',
  'LISTEN',
  'UNLISTEN',
  'NOTIFY',
  'CREATE',
  'ALTER',
  'DROP',
  'TRUNCATE',
  'VACUUM',
  'ANALYZE',
]);

/**
 * What a query is, in one word: its statement (`SELECT`, `INSERT`, `COMMIT`, …), never its text or
 * its parameters, which may hold a digest, a name or an address. A schema change is its verb
 * (`CREATE`, `ALTER`, `DROP`); anything else `OTHER`.
 */
export function operationName(query: CompiledQuery): string {
  const kind = query.query.kind;
  const known = OPERATIONS[kind];
  if (known) return known;
  if (kind === 'RawNode') {
    const word = /^\s*([A-Za-z]+)/.exec(query.sql)?.[1]?.toUpperCase();
    return word !== undefined && RAW_OPERATIONS.has(word) ? word : 'OTHER';
  }
  const verb = /^(Create|Drop|Alter|Refresh)/.exec(kind)?.[1];
  return verb ? verb.toUpperCase() : 'OTHER';
}

/**
 * Kysely's `log` hook as spans: every query Kysely ran and timed becomes a span named after its
 * operation, a child of the span current when it ran (a request's, a delivery's). Registered on
 * the database only when tracing is on (storage/database.ts); off, Kysely runs with no hook.
 */
export function querySpans(tracing: Tracing, system: DatabaseSystem): (event: LogEvent) => void {
  return (event) => {
    const operation = operationName(event.query);
    tracing.ended(
      operation,
      { 'db.system.name': system, 'db.operation.name': operation },
      event.queryDurationMillis,
      event.level === 'error' ? event.error : undefined,
    );
  };
}
