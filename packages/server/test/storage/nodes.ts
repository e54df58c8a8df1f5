import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { inject, onTestFinished } from 'vitest';
import { buildApp, createServices } from '../../src/app.js';
import { ManualClock } from '../../src/core/clock.js';
import { DIALECT, openTestStorage, testDatabaseSettings } from '../dialect.js';
import { START, TestApp, testConfig, V3, type TestAppOptions, type TestUser } from '../helpers.js';
import { reusedKeyPairs } from '../key-pairs.js';

/** What testDatabaseSettings() gives: nothing for SQLite, a URL and a schema for PostgreSQL. */
export interface DatabaseSettings {
  database?: { url: string; schema: string; [setting: string]: unknown };
  masterKey?: string;
}

export interface NodesOptions extends TestAppOptions {
  /** How many nodes share the database; more than one needs PostgreSQL (SQLite serves one node). */
  count: number;
  /** The database settings of node `index`, from the shared ones (e.g. another URL to it). */
  databaseOf?: (index: number, shared: DatabaseSettings) => DatabaseSettings;
}

/**
 * Several Patina nodes in this process on one database, as startTestApp builds one: each its own
 * pool and, on PostgreSQL, its own LISTEN connection; the same master key and issuer, so each
 * accepts what another minted; one ManualClock for all. Node 0 made the ORG_ADMIN identity that
 * every node's `admin` is. Everything is closed when the test finishes.
 */
export async function startNodes(
  options: NodesOptions,
): Promise<{ nodes: TestApp[]; clock: ManualClock; settings: DatabaseSettings }> {
  if (options.count > 1 && DIALECT === 'sqlite') {
    throw new Error('SQLite serves one node: several nodes need PostgreSQL');
  }
  const settings = testDatabaseSettings() as DatabaseSettings;
  const masterKey = randomBytes(32);
  const clock = new ManualClock(START);
  const nodes: TestApp[] = [];
  for (let index = 0; index < options.count; index++) {
    const own = options.databaseOf?.(index, settings) ?? settings;
    const config = testConfig(own as Record<string, unknown>, options.config);
    const storage = await openTestStorage(own as Record<string, unknown>);
    const services = await createServices({
      config,
      storage,
      masterKey,
      clock,
      keyPairs: reusedKeyPairs,
    });
    const app = await buildApp(services, { logger: options.logger ?? false });
    await app.ready();
    const node = new TestApp(app, services, clock);
    onTestFinished(() => node.close());
    nodes.push(node);
  }
  const admin = await nodes[0]!.user({ name: 'Ada Admin', login: 'ada', roles: ['ORG_ADMIN'] });
  for (const node of nodes) node.admin = admin;
  return { nodes, clock, settings };
}

/** GET of the caller's own PATs: 200 while `node` accepts the access token, 401 once it refuses. */
export function listOwn(node: TestApp, token: string) {
  return node.request({ method: 'GET', url: `${V3}?owner-id=me&limit=1`, token });
}

/**
 * Shows that `node` answers for `user` from its liveness cache: the owner is disabled behind the
 * change feed's back (a plain UPDATE, no notification) and the node still accepts the token;
 * then the row is put back. Without this, a test of invalidation would pass on a node that
 * caches nothing.
 */
export async function expectServedFromCache(node: TestApp, user: TestUser): Promise<void> {
  const setStatus = (status: string) =>
    sql`update identities set status = ${status} where id = ${user.identity.id}`.execute(
      node.storage.db,
    );
  await setStatus('DISABLED');
  try {
    const response = await listOwn(node, user.token);
    if (response.statusCode !== 200) {
      throw new Error(
        `the node read the owner again instead of using its cache (${response.statusCode})`,
      );
    }
  } finally {
    await setStatus('ACTIVE');
  }
}

/** Host and port of the run's PostgreSQL server (the postgres project only). */
export function postgresAddress(): { host: string; port: number } {
  const url = new URL(inject('postgresUrl'));
  return { host: url.hostname, port: Number(url.port || 5432) };
}
