import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { DIALECT } from '../dialect.js';
import {
  BAD_CREDENTIALS,
  decodeJwt,
  startTestApp,
  type TestApp,
  type TestUser,
} from '../helpers.js';
import { eventually } from '../poll.js';
import { expectServedFromCache, listOwn, postgresAddress, startNodes } from './nodes.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * How long another node may keep accepting what was changed elsewhere (docs/rules.md, "Several
 * nodes": within a second).
 */
const DEADLINE_MS = 1000;
/** How long a node may take to notice that its LISTEN connection went silent (~1 s, heartbeat). */
const FEED_LOST_MS = 1500;
/** How long B is watched after its network goes silent. */
const WATCH_MS = 3000;
/** How long a node may take to hear again once its network is back (reconnects back off ≤ 2 s). */
const RECOVERY_MS = 10_000;

const PAT_GONE = {
  error: 'JWT validation failed: the personal access token behind this JWT is no longer valid',
};
const OWNER_DISABLED = {
  error: 'JWT validation failed: the identity behind this JWT is disabled',
};
const REVOKED = { error: 'JWT validation failed: JWT has been revoked' };

/** Polls `node` until it refuses `user`'s access token, within DEADLINE_MS. */
async function refusedWithinDeadline(node: TestApp, user: TestUser, what: string) {
  const response = await eventually(
    `${what}: the other node still accepts the access token`,
    DEADLINE_MS,
    () => listOwn(node, user.token),
    (r) => r.statusCode !== 200,
  );
  expect(response.statusCode).toBe(401);
  return response.json<{ error: string }>();
}

function introspect(node: TestApp, caller: TestUser, token: string) {
  return node.postForm('/oauth/introspect', {
    client_id: caller.patId,
    client_secret: caller.secret,
    token,
  });
}

/**
 * The token introspecting itself, the token as the caller's bearer credential: the node answers
 * from its bearer check alone (the liveness cache, or the database when it bypasses the cache),
 * with no read of its own. An API call such as listOwn also reads for its handler, which a
 * stalled database holds up whatever the cache says.
 */
function introspectItself(node: TestApp, token: string) {
  return node.postForm('/oauth/introspect', { token }, { authorization: `Bearer ${token}` });
}

/** What an answer of introspectItself says about the token. */
type Verdict = 'accepted' | 'refused' | 'unavailable' | 'unexpected';

function verdictOf(response: LightMyRequestResponse): Verdict {
  let body: unknown;
  try {
    body = response.json();
  } catch {
    return 'unexpected';
  }
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (response.statusCode === 200) {
    if (fields.active === true) return 'accepted';
    return isDeepStrictEqual(body, { active: false }) ? 'refused' : 'unexpected';
  }
  if (response.statusCode === 401) {
    return isDeepStrictEqual(body, BAD_CREDENTIALS) ? 'refused' : 'unexpected';
  }
  if (
    response.statusCode === 503 &&
    fields.error === 'temporarily_unavailable' &&
    typeof fields.error_description === 'string' &&
    /database/.test(fields.error_description) &&
    response.headers['retry-after'] === '1' &&
    Object.keys(fields).length === 2
  ) {
    return 'unavailable';
  }
  return 'unexpected';
}

describe('a change on this node is heard by this node at once (one node, both dialects)', () => {
  it('a cached PAT deleted through the node is refused on the very next request', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    expect((await listOwn(t, bob.token)).statusCode).toBe(200);
    await expectServedFromCache(t, bob);
    expect((await t.deletePat(bob.patId)).statusCode).toBe(204);
    const next = await listOwn(t, bob.token);
    expect(next.statusCode).toBe(401);
    expect(next.json()).toEqual(PAT_GONE);
  });

  it('a cached PAT whose owner is disabled through the node is refused on the very next request', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    expect((await listOwn(t, bob.token)).statusCode).toBe(200);
    await expectServedFromCache(t, bob);
    expect((await t.patchIdentity(bob.identity.id, { status: 'DISABLED' })).statusCode).toBe(200);
    const next = await listOwn(t, bob.token);
    expect(next.statusCode).toBe(401);
    expect(next.json()).toEqual(OWNER_DISABLED);
  });
});

describe.runIf(DIALECT === 'postgres')(
  // SQLite serves one node: only PostgreSQL has other nodes to tell.
  "another node's change reaches this node's cache within a second (PostgreSQL)",
  () => {
    it('a PAT deleted through node A is refused by node B', async () => {
      const {
        nodes: [a, b],
      } = await startNodes({ count: 2 });
      const bob = await a!.user({ name: 'Bob', login: 'bob' });
      expect((await listOwn(b!, bob.token)).statusCode).toBe(200);
      await expectServedFromCache(b!, bob);
      expect((await a!.deletePat(bob.patId)).statusCode).toBe(204);
      expect(await refusedWithinDeadline(b!, bob, 'deleted on A')).toEqual(PAT_GONE);
    });

    it('an owner disabled through node A is refused by node B', async () => {
      const {
        nodes: [a, b],
      } = await startNodes({ count: 2 });
      const bob = await a!.user({ name: 'Bob', login: 'bob' });
      expect((await listOwn(b!, bob.token)).statusCode).toBe(200);
      await expectServedFromCache(b!, bob);
      expect((await a!.patchIdentity(bob.identity.id, { status: 'DISABLED' })).statusCode).toBe(
        200,
      );
      expect(await refusedWithinDeadline(b!, bob, 'owner disabled on A')).toEqual(OWNER_DISABLED);
    });

    it('an access token revoked through node A (RFC 7009) is refused by node B', async () => {
      const {
        nodes: [a, b],
      } = await startNodes({ count: 2 });
      const bob = await a!.user({ name: 'Bob', login: 'bob' });
      // B has checked this token (and cached "not revoked") through its API and introspection.
      expect((await listOwn(b!, bob.token)).statusCode).toBe(200);
      const before = await introspect(b!, bob, bob.token);
      expect(before.json<{ active: boolean }>().active).toBe(true);

      const revoked = await a!.postForm('/oauth/revoke', {
        client_id: bob.patId,
        client_secret: bob.secret,
        token: bob.token,
        token_type_hint: 'access_token',
      });
      expect(revoked.statusCode).toBe(200);

      expect(await refusedWithinDeadline(b!, bob, 'revoked on A')).toEqual(REVOKED);
      const after = await introspect(b!, bob, bob.token);
      expect(after.statusCode).toBe(200);
      expect(after.json()).toEqual({ active: false });
    });

    it('a signing key rotated on node A signs the tokens node B mints', async () => {
      const {
        nodes: [a, b],
      } = await startNodes({ count: 2 });
      const bob = await a!.user({ name: 'Bob', login: 'bob' });
      const kidOf = async (node: TestApp) =>
        decodeJwt(await node.accessToken(bob.patId, bob.secret)).header.kid;
      const old = a!.services.keys.current().kid;
      expect(await kidOf(b!)).toBe(old);

      const rotated = await a!.services.keyRotation.rotate(SYSTEM_CONTEXT);
      expect(rotated.kid).not.toBe(old);
      await eventually(
        'node B still signs with the old key',
        DEADLINE_MS,
        () => kidOf(b!),
        (kid) => kid === rotated.kid,
      );
    });

    it('while B cannot hear the other nodes its cache is bypassed; it heals by itself', async () => {
      // B reaches the database through a proxy that can refuse B's new connections, so B's
      // listener, once cut, stays down for as long as the test needs; B's pool keeps the
      // connections it has. A talks to the database directly.
      const proxy = await TcpProxy.start(postgresAddress());
      const {
        nodes: [a, b],
        settings,
      } = await startNodes({
        count: 2,
        databaseOf: (index, shared) =>
          index === 1
            ? { ...shared, database: { ...shared.database!, url: proxy.url(shared.database!.url) } }
            : shared,
      });
      // Registered after the nodes' own close, so it runs first.
      onTestFinished(() => proxy.close());
      const bob = await a!.user({ name: 'Bob', login: 'bob' });
      expect((await listOwn(b!, bob.token)).statusCode).toBe(200);
      await expectServedFromCache(b!, bob);

      // B's pool holds open connections for the requests to come; new ones are refused.
      await Promise.all(
        Array.from({ length: 4 }, () => sql`select pg_sleep(0.05)`.execute(b!.storage.db)),
      );
      proxy.refuseNew();

      // From a third connection, end B's LISTEN session on the server: the backend that came
      // in through the proxy and whose last statement was the LISTEN (or its heartbeat).
      const observer = new pg.Client({ connectionString: settings.database!.url });
      await observer.connect();
      onTestFinished(() => observer.end());
      const { rows } = await observer.query<{ pid: number }>(
        `select pid from pg_stat_activity
         where datname = current_database() and client_port = any($1::int[])
           and (query ilike 'LISTEN%' or query = 'select 1')`,
        [proxy.upstreamPorts()],
      );
      expect(rows).toHaveLength(1);
      await observer.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await eventually(
        "B's feed still reports connected",
        DEADLINE_MS,
        () => Promise.resolve(b!.storage.feed.connected),
        (connected) => !connected,
      );
      expect(a!.storage.feed.connected).toBe(true);

      // A deletes the PAT; its notification cannot reach B. B refuses the token on its very
      // next request all the same, because it does not trust its cache while deaf.
      expect((await a!.deletePat(bob.patId)).statusCode).toBe(204);
      const next = await listOwn(b!, bob.token);
      expect(b!.storage.feed.connected).toBe(false);
      expect(next.statusCode).toBe(401);
      expect(next.json()).toEqual(PAT_GONE);

      // The listener reconnects by itself once it can, and B caches and hears changes again.
      proxy.restore();
      await eventually(
        "B's listener did not reconnect",
        10_000,
        () => Promise.resolve(b!.storage.feed.connected),
        (connected) => connected,
      );
      const carol = await a!.user({ name: 'Carol', login: 'carol' });
      expect((await listOwn(b!, carol.token)).statusCode).toBe(200);
      await expectServedFromCache(b!, carol);
      expect((await a!.deletePat(carol.patId)).statusCode).toBe(204);
      expect(await refusedWithinDeadline(b!, carol, 'deleted on A after B reconnected')).toEqual(
        PAT_GONE,
      );
    });

    it(
      "B's database goes silent as A deletes a PAT B has cached: B stops accepting it within a second",
      { timeout: 60_000 },
      async () => {
        // B reaches the database through a proxy that can stall (no reset, no answer), with short
        // timeouts so that its requests end in 503 while the network is silent. A is direct.
        const proxy = await TcpProxy.start(postgresAddress());
        const {
          nodes: [a, b],
        } = await startNodes({
          count: 2,
          databaseOf: (index, shared) =>
            index === 1
              ? {
                  ...shared,
                  database: {
                    ...shared.database!,
                    url: proxy.url(shared.database!.url),
                    connectTimeoutMs: 1000,
                    statementTimeoutMs: 1000,
                  },
                }
              : shared,
        });
        // Registered after the nodes' own close, so it runs first: a node cannot close
        // connections that hang in a stalled proxy.
        onTestFinished(() => proxy.close());
        const bob = await a!.user({ name: 'Bob', login: 'bob' });
        const carol = await a!.user({ name: 'Carol', login: 'carol' });
        expect((await listOwn(b!, bob.token)).statusCode).toBe(200);
        await expectServedFromCache(b!, bob);
        const before = await introspectItself(b!, bob.token);
        expect(before.statusCode).toBe(200);
        expect(before.json()).toMatchObject({ active: true, client_id: bob.patId });
        expect(b!.storage.feed.connected).toBe(true);

        // t0: B's network goes silent, and A deletes the PAT; its notification cannot reach B.
        proxy.stall();
        const t0 = performance.now();
        const since = () => performance.now() - t0;
        const deleted = a!.deletePat(bob.patId);
        // Polled beside the requests below; undefined when still connected after FEED_LOST_MS.
        const feedLost = eventually(
          "B's feed still reports connected",
          FEED_LOST_MS,
          () => Promise.resolve(b!.storage.feed.connected),
          (connected) => !connected,
        ).then(since, () => undefined);
        // B is asked every 50 ms for 3 s, without waiting for its answers: a request held up by
        // the stalled database must not hide what the next one is told.
        const answers: Promise<{ sentMs: number; answeredMs: number; verdict: Verdict }>[] = [];
        while (since() < WATCH_MS) {
          const sentMs = since();
          answers.push(
            introspectItself(b!, bob.token).then((response) => ({
              sentMs,
              answeredMs: since(),
              verdict: verdictOf(response),
            })),
          );
          await sleep(50);
        }
        expect((await deleted).statusCode).toBe(204);
        const feedLostMs = await feedLost;
        const timeline = await Promise.all(answers);

        const accepted = timeline.filter((answer) => answer.verdict === 'accepted');
        const refusedOrUnavailable = timeline.filter(
          (answer) => answer.verdict === 'refused' || answer.verdict === 'unavailable',
        );
        const lastAcceptedMs = Math.max(0, ...accepted.map((answer) => answer.answeredMs));
        console.log(
          `stall + delete at t0: B's feed disconnected at +${feedLostMs?.toFixed(0) ?? '?'} ms; ` +
            `B last accepted the deleted PAT's token at +${lastAcceptedMs.toFixed(0)} ms ` +
            `(${accepted.length} of ${timeline.length} answers); first other answer at ` +
            `+${Math.min(...refusedOrUnavailable.map((answer) => answer.answeredMs)).toFixed(0)} ms; ` +
            `verdicts: ${JSON.stringify(countBy(timeline.map((answer) => answer.verdict)))}`,
        );
        expect(
          feedLostMs,
          `B's feed still connected ${FEED_LOST_MS} ms after the stall`,
        ).toBeDefined();
        // Never a 500 or a body out of place, and no acceptance later than a second after t0.
        expect(timeline.filter((answer) => answer.verdict === 'unexpected')).toEqual([]);
        expect(
          accepted.filter((answer) => answer.answeredMs > DEADLINE_MS),
          'B accepted the deleted PAT more than a second after it was deleted',
        ).toEqual([]);

        // The network comes back: B hears again, refuses the deleted PAT and accepts a live one.
        proxy.restore();
        await eventually(
          "B's listener did not reconnect",
          RECOVERY_MS,
          () => Promise.resolve(b!.storage.feed.connected),
          (connected) => connected,
        );
        const gone = await eventually(
          'B still cannot tell whether the deleted PAT is live',
          RECOVERY_MS,
          () => introspectItself(b!, bob.token),
          (response) => response.statusCode !== 503,
        );
        expect(gone.statusCode).toBe(401);
        expect(gone.json()).toEqual(BAD_CREDENTIALS);
        const live = await eventually(
          'B still cannot tell whether the live PAT is live',
          RECOVERY_MS,
          () => introspectItself(b!, carol.token),
          (response) => response.statusCode !== 503,
        );
        expect(live.statusCode).toBe(200);
        expect(live.json()).toMatchObject({ active: true, client_id: carol.patId });
        const api = await listOwn(b!, bob.token);
        expect(api.statusCode).toBe(401);
        expect(api.json()).toEqual(PAT_GONE);
        expect((await listOwn(b!, carol.token)).statusCode).toBe(200);
        // And B trusts its cache again, which it may only do while it hears the other nodes.
        await expectServedFromCache(b!, carol);
        expect(b!.storage.feed.connected).toBe(true);
      },
    );
  },
);

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
