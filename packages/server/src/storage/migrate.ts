import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
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

/** Brings the schema to the newest version; runs on start and by `patina migrate`. */
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
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    // No migration ran at all: the database could not be reached or read (wrong host, port,
    // database name or credentials). Say so, with the driver's own words.
    throw new Error(
      failed ? `Migration ${failed.migrationName} failed` : cannotOpen(result.error),
      {
        cause: result.error,
      },
    );
  }
  return (result.results ?? []).map((r) => r.migrationName);
}
