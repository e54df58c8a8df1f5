import { isIdShaped } from '@patina/contract';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';

const ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * The Redis connection that makes rate limits and the lockout count across nodes. Commands fail
 * at once while it is down (no offline queue, one try): callers then fall back rather than
 * wait. ioredis reconnects by itself; errors are reported at most every 30 seconds.
 */
export function openRedis(settings: Config['redis'] & { url: string }, logger?: Logger): Redis {
  const redis = new Redis(settings.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  let lastLoggedMs = 0;
  redis.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastLoggedMs < ERROR_LOG_INTERVAL_MS) return;
    lastLoggedMs = now;
    logger?.warn(
      { err: { message: error.message } },
      'redis unavailable: limits count per node until it is back',
    );
  });
  return redis;
}

/**
 * Waits until the connection is ready, or `timeoutMs` at most: until then every command fails
 * (no offline queue), so a node that starts serving first would count alone. A Redis that is down
 * at start does not stop the start; the node counts per node until it comes up.
 */
export async function redisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
}

/**
 * A client id as part of a Redis key. Client ids are user input: anything that is not id-shaped
 * (a pasted secret, a long string) is hashed, so no credential is ever stored as a key name.
 */
export function keyPart(clientId: string): string {
  return isIdShaped(clientId)
    ? clientId
    : `h.${createHash('sha256').update(clientId).digest('base64url').slice(0, 22)}`;
}
