import { randomBytes } from 'node:crypto';
import { inject, onTestFinished } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { openStorage } from '../src/runtime.js';
import type { Storage } from '../src/storage/repositories.js';
import type { TestDialect } from './postgres/probe.js';
import { MIGRATIONS } from '../src/storage/migrate.js';
import { createDatabase, dropDatabase, dropSchema, emptySchema } from './postgres/server.js';

/** The database this test file runs on: its Vitest project sets PATINA_TEST_DIALECT. */
export const DIALECT: TestDialect =
  process.env.PATINA_TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';

/**
 * Schemas this test process has finished with: migrated to the latest version and emptied of
 * every row, ready for the next test. Migrating a new schema costs ~200 ms on PostgreSQL, which
 * over the suite's PostgreSQL half is minutes; emptying one costs a few milliseconds.
 */
const emptied: string[] = [];

/**
 * Settings that put a node on this run's database: none for SQLite, a schema for PostgreSQL.
 * The schema has no rows (a new one, or one an earlier test of this process used and emptied);
 * `fresh` asks for a new schema that has never been migrated, for the tests of migrations.
 */
export function testDatabaseSettings(options: { fresh?: boolean } = {}): Record<string, unknown> {
  if (DIALECT === 'sqlite') return {};
  const url = inject('postgresUrl');
  // A schema per app keeps tests apart in one throwaway database without making a database per
  // test. When the test ends (after its apps have closed: finish hooks run last-registered
  // first) it is emptied for reuse, or dropped when it is not exactly at the latest migration,
  // so the catalogue (which every migration run reads) stays small however many tests run.
  const schema = (!options.fresh && emptied.pop()) || `t_${randomBytes(8).toString('hex')}`;
  onTestFinished(async () => {
    if (await emptySchema(url, schema, Object.keys(MIGRATIONS))) emptied.push(schema);
    else await dropSchema(url, schema);
  });
  return {
    database: { url, schema, poolMax: 4 },
    masterKey: randomBytes(32).toString('base64'),
    // Required with PostgreSQL; test apps put their own on top.
    publicBaseUrl: 'http://patina.test',
  };
}

/**
 * Fresh, migrated storage on this file's dialect: in-memory SQLite, or a new schema in the run's
 * PostgreSQL database with a live change listener. The caller closes it.
 */
export async function openTestStorage(settings = testDatabaseSettings()): Promise<Storage> {
  return openStorage(parseConfig({ dataDir: ':memory:', ...settings }));
}

/**
 * The environment that puts a Patina process on this file's dialect: nothing for SQLite (the
 * data directory holds the database), a fresh database and a master key for PostgreSQL. The
 * database is dropped when the test ends.
 */
export async function processDatabaseEnv(): Promise<Record<string, string>> {
  if (DIALECT === 'sqlite') return {};
  const { url, name } = await createDatabase();
  onTestFinished(() => dropDatabase(name));
  return {
    PATINA_DATABASE_URL: url,
    PATINA_MASTER_KEY: randomBytes(32).toString('base64'),
    // Required with PostgreSQL. The issuer, not the public URL: a test reaches the process at
    // whatever port it was given, which the bootstrap file's baseUrl must name.
    PATINA_ISSUER: 'http://patina.e2e.test',
  };
}
