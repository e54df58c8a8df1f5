import pg from 'pg';

/** The databases every storage and HTTP test runs on; the Vitest config loops over these. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof DIALECTS)[number];

/** The local server of DEVELOPERS.md: trust auth, reachable as the `postgres` role. */
const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The PostgreSQL server tests make their throwaway databases on. The URL's own database is only
 * where `CREATE DATABASE` is sent from; tests never write to it.
 */
export function testServerUrl(): string {
  return process.env.PATINA_TEST_DATABASE_URL || LOCAL_SERVER;
}

/** The URL with its password hidden, for messages. */
export function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * Whether PostgreSQL tests can run here. With PATINA_TEST_DATABASE_URL or CI set they must: an
 * unreachable server fails the run. Otherwise they are skipped, and the run says so loudly.
 */
export async function probePostgres(): Promise<{ available: boolean }> {
  const url = testServerUrl();
  const required = Boolean(process.env.PATINA_TEST_DATABASE_URL || process.env.CI);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return { available: true };
  } catch (error) {
    const why = `PostgreSQL at ${redacted(url)} is not reachable (${(error as Error).message})`;
    if (required) {
      throw new Error(
        `${why}; the PostgreSQL tests must run when PATINA_TEST_DATABASE_URL or CI is set`,
      );
    }
    console.warn(
      `\n*** ${why}: the PostgreSQL half of the test suite is SKIPPED. ` +
        'Start PostgreSQL or set PATINA_TEST_DATABASE_URL to run it. ***\n',
    );
    return { available: false };
  } finally {
    await client.end().catch(() => undefined);
  }
}
