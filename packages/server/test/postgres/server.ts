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
