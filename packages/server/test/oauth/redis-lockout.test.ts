import { describe, expect, it, onTestFinished } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { Lockout, type LockoutPolicy } from '../../src/oauth/lockout.js';
import { RedisLockout } from '../../src/oauth/redis-lockout.js';
import { openRedis } from '../../src/storage/redis.js';
import { freePort } from '../helpers.js';
import { redisReachable, testRedis } from '../redis.js';

const reachable = await redisReachable('the RedisLockout tests');

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

/** A RedisLockout over the test's Redis, its per-node fallback on a manual clock. */
function setup(policy: LockoutPolicy, shared = testRedis()) {
  const clock = new ManualClock('2026-01-15T10:00:00.000Z');
  const fallback = new Lockout(policy, clock);
  const lockout = new RedisLockout(shared.redis, policy, shared.prefix, fallback);
  return { ...shared, clock, fallback, lockout };
}

async function fail(lockout: RedisLockout, clientId: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await lockout.recordFailure(clientId);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.skipIf(!reachable)('RedisLockout (against a real Redis)', () => {
  const POLICY = { maxFailures: 3, windowSeconds: 60, durationSeconds: 120 };

  it('does not lock below maxFailures and locks at maxFailures, counting in Redis only', async () => {
    const { lockout, fallback } = setup(POLICY);
    expect(await lockout.retryAfterSeconds(A)).toBe(0);
    await fail(lockout, A, 2);
    expect(await lockout.retryAfterSeconds(A)).toBe(0);
    await fail(lockout, A, 1);
    const retryAfter = await lockout.retryAfterSeconds(A);
    // Real time passes in Redis between the lock and the question: at most a second here.
    expect(retryAfter).toBeGreaterThanOrEqual(119);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(await lockout.retryAfterSeconds(B)).toBe(0);
    // While Redis answers, the per-node fallback counts nothing.
    expect(fallback.retryAfterSeconds(A)).toBe(0);
  });

  it('adds up failures recorded by two nodes sharing the Redis and prefix', async () => {
    const shared = testRedis();
    const node1 = setup(POLICY, shared).lockout;
    const node2 = setup(POLICY, shared).lockout;
    await fail(node1, A, 2);
    expect(await node2.retryAfterSeconds(A)).toBe(0);
    await fail(node2, A, 1);
    expect(await node1.retryAfterSeconds(A)).toBeGreaterThan(0);
    expect(await node2.retryAfterSeconds(A)).toBeGreaterThan(0);
  });

  it('keeps counters apart under different key prefixes', async () => {
    const one = setup(POLICY).lockout;
    const other = setup(POLICY).lockout;
    await fail(one, A, 3);
    expect(await one.retryAfterSeconds(A)).toBeGreaterThan(0);
    expect(await other.retryAfterSeconds(A)).toBe(0);
  });

  it('forgets failures once windowSeconds have passed since the first', async () => {
    const { lockout } = setup({ maxFailures: 3, windowSeconds: 1, durationSeconds: 120 });
    await fail(lockout, A, 2);
    await sleep(1100);
    await fail(lockout, A, 1);
    expect(await lockout.retryAfterSeconds(A)).toBe(0);
    await fail(lockout, A, 1);
    expect(await lockout.retryAfterSeconds(A)).toBe(0);
    await fail(lockout, A, 1);
    expect(await lockout.retryAfterSeconds(A)).toBeGreaterThan(0);
  });

  it('ends the lock after durationSeconds and then counts afresh', async () => {
    const { lockout } = setup({ maxFailures: 3, windowSeconds: 60, durationSeconds: 1 });
    await fail(lockout, A, 3);
    expect(await lockout.retryAfterSeconds(A)).toBe(1);
    await sleep(1100);
    expect(await lockout.retryAfterSeconds(A)).toBe(0);
    // The failures that set the lock are not counted again.
    await fail(lockout, A, 2);
    expect(await lockout.retryAfterSeconds(A)).toBe(0);
    await fail(lockout, A, 1);
    expect(await lockout.retryAfterSeconds(A)).toBe(1);
  });

  it('clears the failures on success', async () => {
    const { lockout } = setup(POLICY);
    await fail(lockout, A, 2);
    lockout.recordSuccess(A);
    await fail(lockout, A, 2);
    expect(await lockout.retryAfterSeconds(A)).toBe(0);
    await fail(lockout, A, 1);
    expect(await lockout.retryAfterSeconds(A)).toBeGreaterThan(0);
  });

  it('clears the failures of one client id only', async () => {
    const { lockout } = setup(POLICY);
    await fail(lockout, A, 2);
    await fail(lockout, B, 2);
    lockout.recordSuccess(B);
    await fail(lockout, A, 1);
    await fail(lockout, B, 1);
    expect(await lockout.retryAfterSeconds(A)).toBeGreaterThan(0);
    expect(await lockout.retryAfterSeconds(B)).toBe(0);
  });
});

describe('RedisLockout while Redis cannot be reached', () => {
  const POLICY = { maxFailures: 3, windowSeconds: 60, durationSeconds: 120 };

  /** A RedisLockout whose Redis is a closed port, as openRedis makes the connection. */
  async function downSetup() {
    const redis = openRedis({ url: `redis://127.0.0.1:${await freePort()}`, keyPrefix: 'down:' });
    onTestFinished(() => redis.disconnect());
    const clock = new ManualClock('2026-01-15T10:00:00.000Z');
    const fallback = new Lockout(POLICY, clock);
    return { redis, clock, fallback, lockout: new RedisLockout(redis, POLICY, 'down:', fallback) };
  }

  it("fails the Redis client's commands at once (the premise of the tests below)", async () => {
    const { redis } = await downSetup();
    await expect(redis.pttl('down:x')).rejects.toThrow();
  });

  it('counts failures per node and locks at maxFailures', async () => {
    const { lockout, fallback, clock } = await downSetup();
    await fail(lockout, A, 2);
    expect(await lockout.retryAfterSeconds(A)).toBe(0);
    await fail(lockout, A, 1);
    expect(await lockout.retryAfterSeconds(A)).toBe(120);
    expect(fallback.retryAfterSeconds(A)).toBe(120);
    expect(await lockout.retryAfterSeconds(B)).toBe(0);
    clock.advance(60_000);
    expect(await lockout.retryAfterSeconds(A)).toBe(60);
    clock.advance(60_000);
    expect(await lockout.retryAfterSeconds(A)).toBe(0);
  });

  it('clears the per-node failures on success', async () => {
    const { lockout } = await downSetup();
    await fail(lockout, A, 2);
    lockout.recordSuccess(A);
    await fail(lockout, A, 2);
    expect(await lockout.retryAfterSeconds(A)).toBe(0);
    await fail(lockout, A, 1);
    expect(await lockout.retryAfterSeconds(A)).toBe(120);
  });
});
