import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  BAD_CREDENTIALS,
  freePort,
  LOCKED_OUT,
  startTestApp,
  type TestApp,
  V3,
} from '../helpers.js';
import { unlockClient } from '../../src/oauth/throttle-stores.js';
import { REDIS_URL, redisReachable, testRedis } from '../redis.js';

/**
 * Rate limits and the token-endpoint lockout shared by several nodes through Redis, each node
 * being an app of its own (its own storage, its own process-local counters).
 */
const withRedis = describe.skipIf(!(await redisReachable('the shared-limit tests')));

/**
 * Redis settings with a key prefix no other test uses, and a way to read the keys under it;
 * every key under the prefix is deleted when the test ends.
 */
function sharedRedis(): {
  settings: { url: string; keyPrefix: string };
  keys: () => Promise<string[]>;
} {
  const { redis, prefix } = testRedis();
  return {
    settings: { url: REDIS_URL, keyPrefix: prefix },
    keys: () => redis.keys(`${prefix}*`),
  };
}

const LOCKOUT = { maxFailures: 4, windowSeconds: 60, durationSeconds: 60 };
const RATE_LIMITED = { message: 'Rate Limit Exceeded' };

/** A client id no PAT has (32 hex characters), fresh per call. */
function unknownClientId(): string {
  return randomBytes(16).toString('hex');
}

async function fail(t: TestApp, clientId: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const response = await t.exchange(clientId, 'patina_wrong');
    expect(response.statusCode, summary(response)).toBe(401);
    expect(response.json()).toEqual(BAD_CREDENTIALS);
  }
}

/** What a response was, for a failure message: never its body, which may hold a token. */
function summary(response: LightMyRequestResponse): string {
  try {
    const body = response.json<{ error?: string; message?: string }>();
    return `${response.statusCode} ${body.error ?? body.message ?? ''}`;
  } catch {
    return String(response.statusCode);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A test app with Redis. Until its connection is up a node would count on its own (commands fail
 * at once rather than queue), so the start waits for it: the connection must be ready as soon as
 * the app is.
 */
async function startConnectedApp(config: Record<string, unknown>): Promise<TestApp> {
  const t = await startTestApp({ config });
  expect(t.services.redis?.status).toBe('ready');
  return t;
}

/** A lockout refusal; Retry-After counts down in Redis in real time, so allow a second. */
function expectLocked(response: LightMyRequestResponse, durationSeconds: number): void {
  expect(response.statusCode, summary(response)).toBe(429);
  expect(response.json()).toEqual(LOCKED_OUT);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(durationSeconds - 1);
  expect(retryAfter).toBeLessThanOrEqual(durationSeconds);
  expect(response.headers['cache-control']).toBe('no-store');
}

function expectRateLimited(response: LightMyRequestResponse, windowSeconds: number): void {
  expect(response.statusCode, summary(response)).toBe(429);
  expect(response.json()).toEqual(RATE_LIMITED);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(windowSeconds);
}

withRedis('lockout shared through Redis', () => {
  async function twoNodes(redis?: { url: string; keyPrefix: string }) {
    const start = (config: Record<string, unknown>) =>
      redis ? startConnectedApp({ ...config, redis }) : startTestApp({ config });
    const config = { policy: { lockout: LOCKOUT } };
    return [await start(config), await start(config)] as const;
  }

  it('locks a client id on every node once the failures on all nodes reach maxFailures', async () => {
    const { settings } = sharedRedis();
    const [node1, node2] = await twoNodes(settings);
    const clientId = unknownClientId();
    await fail(node1, clientId, 2);
    await fail(node2, clientId, 2);
    expectLocked(await node1.exchange(clientId, 'patina_wrong'), 60);
    expectLocked(await node2.exchange(clientId, 'patina_wrong'), 60);
    // Another client id is not affected.
    await fail(node1, unknownClientId(), 1);
  });

  it('never refuses the right secret, and audits only the failures that set the throttle', async () => {
    const { settings } = sharedRedis();
    const [node1, node2] = await twoNodes(settings);
    const pat = await node2.mintPat(node2.admin.identity.id, { name: 'ci' });
    // Unknown to node 1, a wrong secret on node 2: they count the same.
    await fail(node1, pat.id, 2);
    await fail(node2, pat.id, 2);
    expectLocked(await node2.exchange(pat.id, 'patina_wrong'), 60);
    const response = await node2.exchange(pat.id, pat.secret);
    expect(response.statusCode, summary(response)).toBe(200);
    await node2.services.repeatedFailures.flush();
    // Node 2's two failures of one minute: one row, counted twice.
    const failed = await node2.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(failed.map((e) => JSON.parse(e.details) as unknown)).toEqual([
      { reason: 'wrong_secret', ownerId: node2.admin.identity.id, count: 2 },
    ]);
  });

  it("an operator's unlock clears a client id's throttle on every node, from every address", async () => {
    const { settings } = sharedRedis();
    const [node1, node2] = await twoNodes(settings);
    const clientId = unknownClientId();
    const other = unknownClientId();
    await fail(node1, clientId, 4);
    await fail(node1, other, 4);
    expectLocked(await node2.exchange(clientId, 'patina_wrong'), 60);
    const redis = node1.services.redis;
    if (!redis) throw new Error('the app has no Redis connection');
    // The lock and the counts of the client id from its address.
    expect(await unlockClient(redis, settings.keyPrefix, clientId)).toBe(1);
    await fail(node2, clientId, 1);
    // Only that client id.
    expectLocked(await node1.exchange(other, 'patina_wrong'), 60);
    expect(await unlockClient(redis, settings.keyPrefix, unknownClientId())).toBe(0);
  });

  it('counts an IPv6 client by its /64 on every node, under one key', async () => {
    const { settings, keys } = sharedRedis();
    const [node1, node2] = await twoNodes(settings);
    const clientId = unknownClientId();
    const failFrom = async (t: TestApp, address: string) => {
      const response = await t.exchangeFrom(address, clientId, 'patina_wrong');
      expect(response.statusCode, summary(response)).toBe(401);
    };
    await failFrom(node1, '2001:db8:1:2::1');
    await failFrom(node2, '2001:db8:1:2::2');
    await failFrom(node1, '2001:db8:1:2:ffff::3');
    await failFrom(node2, '2001:db8:1:2::4');
    expectLocked(await node2.exchangeFrom('2001:db8:1:2::5', clientId, 'patina_wrong'), 60);
    await failFrom(node1, '2001:db8:1:3::1');
    const all = (await keys()).map((k) => k.slice(settings.keyPrefix.length));
    expect(all).toContain(`lockout:client-ip:lock:${clientId}:2001:db8:1:2::/64`);
    expect(all).toContain(`lockout:ip:failures:2001:db8:1:2::/64`);
    expect(all.filter((k) => k.includes('2001:db8:1:2::') && !k.endsWith('::/64'))).toEqual([]);
  });

  it('without Redis counts per node: the same failures split 2 + 2 lock no one', async () => {
    const [node1, node2] = await twoNodes();
    const clientId = unknownClientId();
    await fail(node1, clientId, 2);
    await fail(node2, clientId, 2);
    await fail(node1, clientId, 1);
    await fail(node2, clientId, 1);

    const pat = await node2.mintPat(node2.admin.identity.id, { name: 'ci' });
    await fail(node1, pat.id, 2);
    await fail(node2, pat.id, 2);
    const response = await node2.exchange(pat.id, pat.secret);
    expect(response.statusCode, summary(response)).toBe(200);
  });
});

withRedis('rate limit shared through Redis', () => {
  const RATE_LIMIT = { max: 5, windowSeconds: 60 };
  // The rate limit is under test, not the lockout: failures must not lock here.
  const NO_LOCKOUT = { maxFailures: 1000, windowSeconds: 60, durationSeconds: 60 };

  async function twoNodes(redis?: { url: string; keyPrefix: string }) {
    const config = { policy: { rateLimit: RATE_LIMIT, lockout: NO_LOCKOUT } };
    const start = () =>
      redis ? startConnectedApp({ ...config, redis }) : startTestApp({ config });
    const node1 = await start();
    const node2 = await start();
    // A PAT node 1 knows; to node 2 its id is unknown (401), but it is the same bucket.
    const pat = await node1.mintPat(node1.admin.identity.id, { name: 'ci' });
    return { node1, node2, pat };
  }

  it('counts /oauth/token requests of one client id on every node together', async () => {
    const { settings } = sharedRedis();
    const { node1, node2, pat } = await twoNodes(settings);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const node = i % 2 === 0 ? node1 : node2;
      statuses.push((await node.exchange(pat.id, pat.secret)).statusCode);
    }
    expect(statuses).toEqual([200, 401, 200, 401, 200]);
    expectRateLimited(await node2.exchange(pat.id, pat.secret), 60);
    expectRateLimited(await node1.exchange(pat.id, pat.secret), 60);

    // Another client id has a bucket of its own.
    const other = await node1.mintPat(node1.admin.identity.id, { name: 'other' });
    expect((await node1.exchange(other.id, other.secret)).statusCode).toBe(200);
  });

  it('without Redis lets each node allow max requests of its own', async () => {
    const { node1, node2, pat } = await twoNodes();
    for (let i = 0; i < 5; i++) {
      expect((await node1.exchange(pat.id, pat.secret)).statusCode).toBe(200);
      expect((await node2.exchange(pat.id, pat.secret)).statusCode).toBe(401);
    }
    expectRateLimited(await node1.exchange(pat.id, pat.secret), 60);
    expectRateLimited(await node2.exchange(pat.id, pat.secret), 60);
  });
});

withRedis('console sign-ins shared through Redis', () => {
  it('counts the successful sign-ins of one address on every node together', async () => {
    const { settings } = sharedRedis();
    const config = { redis: settings, console: { signInRateLimit: { max: 2, windowSeconds: 60 } } };
    const node1 = await startConnectedApp(config);
    const node2 = await startConnectedApp(config);
    const pat = await node1.mintPat(node1.admin.identity.id, { name: 'console' });
    const signIn = (t: TestApp, remoteAddress: string) =>
      t.app.inject({
        method: 'POST',
        url: '/ui/auth/pat',
        remoteAddress,
        headers: { origin: 'http://patina.test', 'sec-fetch-site': 'same-origin' },
        payload: { clientId: pat.id, clientSecret: pat.secret },
      });
    expect((await signIn(node1, '2001:db8:1:2::1')).statusCode).toBe(200);
    // Node 2 does not know the PAT (its own database): a failure, which is not counted.
    expect((await signIn(node2, '2001:db8:1:2::2')).statusCode).toBe(401);
    expect((await signIn(node1, '2001:db8:1:2::3')).statusCode).toBe(200);
    const refused = await signIn(node2, '2001:db8:1:2::4');
    expect(refused.statusCode, summary(refused)).toBe(429);
    expect(refused.json()).toEqual({
      error: 'TOO_MANY_SIGN_INS',
      message: 'Too many sign-ins from this address; try again later',
    });
  });
});

describe('Redis that cannot be reached', () => {
  /** Records unhandled rejections and uncaught exceptions while the test runs. */
  function watchUnhandled(): unknown[] {
    const seen: unknown[] = [];
    const record = (error: unknown) => void seen.push(error);
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
    onTestFinished(() => {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    });
    return seen;
  }

  it('fails the rate limit open, counts the lockout per node, and closes cleanly', async () => {
    const unhandled = watchUnhandled();
    const url = `redis://127.0.0.1:${await freePort()}`;
    const t = await startTestApp({
      config: {
        redis: { url, keyPrefix: 'down:' },
        policy: {
          rateLimit: { max: 3, windowSeconds: 60 },
          lockout: { maxFailures: 3, windowSeconds: 300, durationSeconds: 60 },
        },
      },
    });
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });

    // More requests than rateLimit.max: the limit is skipped while Redis is away, not enforced
    // by refusing everyone.
    for (let i = 0; i < 5; i++) {
      const response = await t.exchange(pat.id, pat.secret);
      expect(response.statusCode, summary(response)).toBe(200);
    }
    for (let i = 0; i < 5; i++) {
      const response = await t.request({
        method: 'GET',
        url: `${V3}?owner-id=me`,
        token: t.admin.token,
      });
      expect(response.statusCode, summary(response)).toBe(200);
    }

    // The lockout falls back to counting on this node: it still locks at maxFailures, and its
    // Retry-After follows this node's clock.
    await fail(t, pat.id, 3);
    const locked = await t.exchange(pat.id, 'patina_wrong');
    expect(locked.statusCode, summary(locked)).toBe(429);
    expect(locked.json()).toEqual(LOCKED_OUT);
    expect(locked.headers['retry-after']).toBe('60');
    // The right secret is never refused.
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
    t.clock.advance(60_000);
    await fail(t, pat.id, 1);

    // The node kept trying to reach Redis all along...
    const redis = t.services.redis;
    if (!redis) throw new Error('the app has no Redis connection');
    let attempts = 0;
    redis.on('connecting', () => void (attempts += 1));
    const deadline = Date.now() + 10_000;
    while (attempts === 0 && Date.now() < deadline) await sleep(20);
    expect(attempts).toBeGreaterThan(0);
    // ...and closing does not wait for it, and stops those attempts: none for longer than the
    // longest retry delay (2 s).
    await t.close();
    t.close = () => Promise.resolve(); // closed here: nothing left for the finish hook
    attempts = 0;
    await sleep(2500);
    expect(attempts).toBe(0);
    expect(unhandled).toEqual([]);
  });
});

withRedis('Redis keys (no credential as a key name)', () => {
  it('hashes a client id that is not id-shaped and keeps an id-shaped one as it is', async () => {
    const { settings, keys } = sharedRedis();
    const t = await startConnectedApp({ redis: settings });
    // A secret pasted into the client id field, in the body and in HTTP Basic.
    const pasted = `patina_${randomBytes(48).toString('base64url').slice(0, 57)}`;
    const pastedBasic = `patina_${randomBytes(48).toString('base64url').slice(0, 57)}`;
    const idShaped = unknownClientId();
    await fail(t, pasted, 1);
    const basic = await t.postForm(
      '/oauth/token',
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${Buffer.from(`${pastedBasic}:patina_wrong`).toString('base64')}` },
    );
    expect(basic.statusCode, summary(basic)).toBe(401);
    await fail(t, idShaped, 1);

    const all = await keys();
    const prefix = settings.keyPrefix;
    for (const secret of [pasted, pastedBasic]) {
      for (const key of all) {
        expect(key).not.toContain(secret);
        expect(key).not.toContain(secret.slice('patina_'.length));
      }
    }
    // Each client id has its failure counter (per client id and address) and its rate-limit
    // bucket: the pasted ones under a hash, the id-shaped one under the id; the address has one
    // counter for all.
    const at = (k: string) => k.slice(prefix.length);
    const hashedFailures = all.filter((k) =>
      /^lockout:client-ip:failures:h\.[A-Za-z0-9_-]{22}:127\.0\.0\.1$/.test(at(k)),
    );
    expect(hashedFailures).toHaveLength(2);
    expect(all.filter((k) => k.startsWith(`${prefix}rate:`) && /oauth:h\./.test(k))).toHaveLength(
      2,
    );
    expect(all).toContain(`${prefix}lockout:client-ip:failures:${idShaped}:127.0.0.1`);
    expect(all).toContain(`${prefix}lockout:ip:failures:127.0.0.1`);
    expect(
      all.filter(
        (k) => k.startsWith(`${prefix}rate:`) && k.endsWith(`oauth:${idShaped}:127.0.0.1`),
      ),
    ).toHaveLength(1);
  });
});
