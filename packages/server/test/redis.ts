import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';

/** The Redis the shared-counter tests use: PATINA_TEST_REDIS_URL, or the local one. */
export const REDIS_URL = process.env.PATINA_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

async function probe(url: string): Promise<string | undefined> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError: string | undefined;
  redis.on('error', (error: Error) => void (lastError = error.message));
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return lastError ?? (error as Error).message;
  } finally {
    redis.disconnect();
  }
}

/**
 * Whether the Redis tests of `what` can run. Without a reachable Redis they are skipped with a
 * visible warning, unless PATINA_TEST_REDIS_URL or CI is set: then the run fails instead.
 */
export async function redisReachable(what: string): Promise<boolean> {
  const unreachable = await probe(REDIS_URL);
  if (unreachable === undefined) return true;
  const why = `Redis at ${REDIS_URL} is not reachable (${unreachable})`;
  if (process.env.PATINA_TEST_REDIS_URL || process.env.CI) {
    throw new Error(`${why}; the Redis tests must run when PATINA_TEST_REDIS_URL or CI is set`);
  }
  console.warn(`\n*** ${why}: ${what} are SKIPPED. Start Redis to run them. ***\n`);
  return false;
}

/**
 * A Redis client of the test's own and a key prefix no other test uses; every key under the
 * prefix is deleted, and the client closed, when the test ends.
 */
export function testRedis(): { redis: Redis; prefix: string } {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  onTestFinished(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  return { redis, prefix };
}
