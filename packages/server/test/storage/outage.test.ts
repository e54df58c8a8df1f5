import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PatinaError } from '../../src/core/errors.js';
import { DIALECT } from '../dialect.js';
import { captureLogger, expectSailPointError, V3, type TestApp } from '../helpers.js';
import { eventually } from '../poll.js';
import { postgresAddress, startNodes } from './nodes.js';
import { TcpProxy } from './tcp-proxy.js';

/** How long the node may take to notice the database is back (the listener backs off ≤ 2 s). */
const RECOVERY_MS = 10_000;

/**
 * One node whose every database connection (pool, listener, migrations) goes through a proxy
 * the test controls, with short timeouts so that a silent network is noticed in seconds.
 */
async function nodeBehindProxy(timeouts = { statementTimeoutMs: 1000 }) {
  const proxy = await TcpProxy.start(postgresAddress());
  const { logger, lines } = captureLogger();
  const { nodes, settings } = await startNodes({
    count: 1,
    logger,
    databaseOf: (_index, shared) => ({
      ...shared,
      database: {
        ...shared.database!,
        url: proxy.url(shared.database!.url),
        connectTimeoutMs: 1000,
        ...timeouts,
      },
    }),
  });
  // Registered after the node's own close, so it runs first: a node cannot close connections
  // that hang in a stalled proxy.
  onTestFinished(() => proxy.close());
  // A failed test shows what the node logged about the database (warnings and errors).
  onTestFinished((ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    console.log(
      lines()
        .filter((line) => /"level":(40|50|60)/.test(line))
        .join('\n'),
    );
  });
  const t = nodes[0]!;
  return { t, proxy, directUrl: settings.database!.url };
}

/** The three answers that need the database: readiness, the API, the token endpoint. */
function probes(t: TestApp) {
  return {
    ready: () => t.app.inject({ method: 'GET', url: '/ready' }),
    api: () => t.request({ method: 'GET', url: `${V3}?owner-id=me&limit=1`, token: t.admin.token }),
    token: () => t.exchange(t.admin.patId, t.admin.secret),
  };
}

/** Errors nobody caught while the test ran: none may escape, whatever the database does. */
function recordEscapedErrors(): string[] {
  const escaped: string[] = [];
  const onRejection = (error: unknown) => void escaped.push(`unhandledRejection: ${String(error)}`);
  const onException = (error: unknown) => void escaped.push(`uncaughtException: ${String(error)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  onTestFinished(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  });
  return escaped;
}

/** Answers while the database is away: 503 with a retry hint, never a 500 or a hang. */
async function expectUnavailableAnswers(t: TestApp): Promise<void> {
  const probe = probes(t);
  const ready = await probe.ready();
  expect(ready.statusCode).toBe(503);
  expect(ready.json()).toEqual({ status: 'unavailable', database: 'down' });
  expect(ready.headers['retry-after']).toBe('1');

  // The bearer check may be answered from the liveness cache; the handler's own read cannot.
  const api: LightMyRequestResponse = await probe.api();
  expectSailPointError(api, 503, '503 Service Unavailable', /database/);
  expect(api.headers['retry-after']).toBe('1');

  const token = await probe.token();
  expect(token.statusCode, token.body).toBe(503);
  expect(token.json()).toEqual({
    error: 'temporarily_unavailable',
    error_description: expect.stringMatching(/database/) as unknown,
  });
  expect(token.headers['retry-after']).toBe('1');
}

async function expectRecovered(t: TestApp): Promise<void> {
  for (const [name, send] of Object.entries(probes(t))) {
    await eventually(
      `${name} after the database came back`,
      RECOVERY_MS,
      send,
      (r) => r.statusCode === 200,
    );
  }
  await eventually(
    'the change listener after the database came back',
    RECOVERY_MS,
    () => Promise.resolve(t.storage.feed.connected),
    (connected) => connected,
  );
}

/**
 * A statement of the node's pool that is running on the server right now (a request in the
 * middle of its query), and how it ended: `unavailable` is what the 503 answer needs. Wrapped,
 * so that awaiting this function does not wait for the statement.
 */
async function statementInFlight(
  t: TestApp,
  proxy: TcpProxy,
  directUrl: string,
): Promise<{ ended: Promise<string> }> {
  const ended = sql`select pg_sleep(3)`.execute(t.storage.db).then(
    () => 'completed',
    // Storage (storage/outage.ts) turns the driver's error into the domain's outage.
    (error: unknown) =>
      error instanceof PatinaError && error.code === 'UNAVAILABLE'
        ? 'unavailable'
        : `other: ${String(error)}`,
  );
  const observer = new pg.Client({ connectionString: directUrl });
  await observer.connect();
  try {
    await eventually(
      'the statement reaching the server',
      5000,
      async () =>
        (
          await observer.query(
            `select 1 from pg_stat_activity where state = 'active'
             and query like 'select pg_sleep%' and client_port = any($1::int[])`,
            [proxy.upstreamPorts()],
          )
        ).rowCount,
      (count) => count === 1,
    );
  } finally {
    await observer.end();
  }
  return { ended };
}

describe.runIf(DIALECT === 'postgres')(
  // SQLite is a file beside the node: it has no network to lose.
  'the database going away and coming back (PostgreSQL behind a proxy)',
  () => {
    it('connections broken and refused: 503 while it lasts, 200 again after', async () => {
      const escaped = recordEscapedErrors();
      const { t, proxy } = await nodeBehindProxy();
      const probe = probes(t);
      expect((await probe.ready()).statusCode).toBe(200);
      expect((await probe.api()).statusCode).toBe(200);
      expect((await probe.token()).statusCode).toBe(200);

      proxy.cut();
      // Twice: the first calls may find pooled connections not yet known to be dead.
      await expectUnavailableAnswers(t);
      await expectUnavailableAnswers(t);

      proxy.restore();
      await expectRecovered(t);
      expect(escaped).toEqual([]);
    });

    it('a connection broken in the middle of a statement fails that statement only', async () => {
      const escaped = recordEscapedErrors();
      // A statement timeout longer than the statement, which the cut must end first.
      const { t, proxy, directUrl } = await nodeBehindProxy({ statementTimeoutMs: 30_000 });
      const { ended } = await statementInFlight(t, proxy, directUrl);
      proxy.cut();
      expect(await ended).toBe('unavailable');
      await expectUnavailableAnswers(t);
      proxy.restore();
      await expectRecovered(t);
      expect(escaped).toEqual([]);
    });

    it(
      'a network gone silent (no reset, no answer): 503 within the timeouts, 200 after',
      {
        timeout: 60_000,
      },
      async () => {
        const escaped = recordEscapedErrors();
        const { t, proxy } = await nodeBehindProxy();
        const probe = probes(t);
        expect((await probe.api()).statusCode).toBe(200);

        proxy.stall();
        await expectUnavailableAnswers(t);

        proxy.restore();
        await expectRecovered(t);
        expect(escaped).toEqual([]);
      },
    );
  },
);
