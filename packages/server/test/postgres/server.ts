import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testServerUrl } from './probe.js';

async function onServer<T>(
  work: (client: pg.Client) => Promise<T>,
  url = testServerUrl(),
): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the test server, named so that stray ones are recognisable. */
export async function createDatabase(): Promise<{ url: string; name: string }> {
  const name = `patina_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await onServer((client) => client.query(`create database "${name}"`));
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

/** Drops a test database, ending any session still connected to it. */
export async function dropDatabase(name: string): Promise<void> {
  await onServer((client) => client.query(`drop database if exists "${name}" with (force)`));
}

/** Drops one test app's schema in the run's database, with everything in it. */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  await onServer(
    (client) => client.query(`drop schema if exists "${schema}" cascade`),
    databaseUrl,
  );
}

/**
 * Deletes every row of a test app's schema, keeping its tables and Kysely's record of the
 * migrations, when that record names exactly `migrations`; answers whether it did. A schema in
 * any other state (never migrated, migrated down by a test, gone) is left as it is.
 */
export async function emptySchema(
  databaseUrl: string,
  schema: string,
  migrations: string[],
): Promise<boolean> {
  return onServer(async (client) => {
    const { rows: tables } = await client.query<{ name: string }>(
      'select table_name as name from information_schema.tables where table_schema = $1',
      [schema],
    );
    const names = tables.map((table) => table.name);
    if (!names.includes('kysely_migration')) return false;
    const { rows: applied } = await client.query<{ name: string }>(
      `select name from "${schema}".kysely_migration order by name`,
    );
    if (applied.map((row) => row.name).join() !== [...migrations].sort().join()) return false;
    const data = names.filter((name) => !name.startsWith('kysely_migration'));
    if (data.length > 0) {
      const list = data.map((name) => `"${schema}"."${name}"`).join(', ');
      await client.query(`truncate ${list} restart identity cascade`);
    }
    return true;
  }, databaseUrl);
}
