import {
  DEFAULT_MIGRATION_TABLE,
  Migrator,
  sql,
  type Kysely,
  type Migration,
  type MigrationResultSet,
} from 'kysely';
import { dialectOf } from './dialect.js';
import * as m0001 from './migrations/0001_initial.js';
import * as m0002 from './migrations/0002_rotation_and_revocation.js';
import * as m0003 from './migrations/0003_lifecycle.js';
import * as m0004 from './migrations/0004_notifications.js';
import * as m0005 from './migrations/0005_console_sessions.js';
import * as m0006 from './migrations/0006_ssf.js';
import * as m0007 from './migrations/0007_identity_hygiene.js';
import * as m0008 from './migrations/0008_live_owner_index.js';
import * as m0009 from './migrations/0009_sso_links.js';
import * as m0010 from './migrations/0010_ssf_change_log.js';
import * as m0011 from './migrations/0011_ssf_stream_activity.js';
import * as m0012 from './migrations/0012_tokens_not_before.js';
import * as m0013 from './migrations/0013_failure_reason_casing.js';
import * as m0014 from './migrations/0014_trust_policies.js';
import * as m0015 from './migrations/0015_pat_require_dpop.js';
import * as m0016 from './migrations/0016_governance.js';
import * as m0017 from './migrations/0017_scim.js';
import * as m0018 from './migrations/0018_change_feed.js';
import type { Database } from './tables.js';

/** Migrations in order; names sort, so later ones append with the next number. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_rotation_and_revocation': m0002,
  '0003_lifecycle': m0003,
  '0004_notifications': m0004,
  '0005_console_sessions': m0005,
  '0006_ssf': m0006,
  '0007_identity_hygiene': m0007,
  '0008_live_owner_index': m0008,
  '0009_sso_links': m0009,
  '0010_ssf_change_log': m0010,
  '0011_ssf_stream_activity': m0011,
  '0012_tokens_not_before': m0012,
  '0013_failure_reason_casing': m0013,
  '0014_trust_policies': m0014,
  '0015_pat_require_dpop': m0015,
  '0016_governance': m0016,
  '0017_scim': m0017,
  '0018_change_feed': m0018,
};

/**
 * The message of a database that could not be opened. Patina makes its tables, not the database:
 * a missing one is the operator's to make, and the message says how.
 */
function cannotOpen(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const name = code === '3D000' && /database "([^"]+)"/.exec(String(message))?.[1];
  return name
    ? `Cannot open the database (make it with \`createdb ${name}\`, then start again)`
    : 'Cannot open the database';
}

/** The newest migration this code knows: its schema version. */
export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1)!;

/**
 * A database a newer Patina migrated: its migration table names migrations this code does not
 * know. Starting on it would read and write tables this code does not understand, so it refuses.
 */
export class NewerSchemaError extends Error {
  readonly unknown: readonly string[];

  constructor(unknown: readonly string[]) {
    const has = `${unknown.length === 1 ? 'migration' : 'migrations'} ${unknown.join(', ')}`;
    super(
      `The database's schema is newer than this Patina: it has ${has}, ` +
        `this Patina knows migrations up to ${LATEST_MIGRATION}. ` +
        'Run the newer Patina on it, or restore a backup taken before the upgrade.',
    );
    this.name = 'NewerSchemaError';
    this.unknown = unknown;
  }
}

/**
 * The names in Kysely's migration table, in order; none for a fresh database (no table yet). On
 * PostgreSQL the table lives in `schema` when one is configured (the Migrator's
 * `migrationTableSchema`), otherwise in the connection's current schema.
 */
export async function appliedMigrations(
  db: Kysely<Database>,
  options: { schema?: string | null | undefined } = {},
): Promise<string[]> {
  const schema = options.schema || null;
  const found =
    dialectOf(db) === 'postgres'
      ? sql<{ found: number }>`select 1 as found from information_schema.tables
          where table_schema = coalesce(${schema}::text, current_schema())
            and table_name = ${DEFAULT_MIGRATION_TABLE}`
      : sql<{ found: number }>`select 1 as found from sqlite_master
          where type = 'table' and name = ${DEFAULT_MIGRATION_TABLE}`;
  if ((await found.execute(db)).rows.length === 0) return [];
  const table = sql.table(
    schema ? `${schema}.${DEFAULT_MIGRATION_TABLE}` : DEFAULT_MIGRATION_TABLE,
  );
  const { rows } = await sql<{ name: string }>`select name from ${table} order by name`.execute(db);
  return rows.map((row) => row.name);
}

/** Refuses a database that a newer Patina migrated (NewerSchemaError). */
async function refuseNewerSchema(
  db: Kysely<Database>,
  options: { schema?: string | null | undefined },
): Promise<void> {
  const unknown = (await appliedMigrations(db, options)).filter((name) => !(name in MIGRATIONS));
  if (unknown.length > 0) throw new NewerSchemaError(unknown);
}

/**
 * Brings the schema to the newest version; runs on start and by `patina migrate`. A schema newer
 * than this code is refused before anything runs.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  options: { schema?: string | null | undefined } = {},
): Promise<string[]> {
  // Several nodes may start at once on PostgreSQL: Kysely's Migrator holds an advisory lock
  // while it reads and applies migrations, so each migration runs exactly once and the other
  // nodes wait, then find nothing to do. SQLite serves one node; it takes no such lock.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    ...(options.schema && { migrationTableSchema: options.schema }),
  });
  await refuseNewerSchema(db, options).catch((error: unknown) => {
    throw error instanceof NewerSchemaError
      ? error
      : new Error(cannotOpen(error), { cause: error });
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    if (failed)
      throw new Error(`Migration ${failed.migrationName} failed`, { cause: result.error });
    // A newer node may have migrated between the check above and the Migrator's lock.
    await refuseNewerSchema(db, options).catch((error: unknown) => {
      if (error instanceof NewerSchemaError) throw error;
    });
    // No migration ran at all: the database could not be reached or read (wrong host, port,
    // database name or credentials). Say so, with the driver's own words.
    throw new Error(cannotOpen(result.error), { cause: result.error });
  }
  return (result.results ?? []).map((r) => r.migrationName);
}
