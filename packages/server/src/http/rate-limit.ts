import type {
  FastifyRateLimitStore,
  FastifyRateLimitStoreCtor,
  RateLimitPluginOptions,
} from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Policy } from '../config/schema.js';
import { PatinaError } from '../core/errors.js';
import type { SharedState } from '../core/shared-state.js';

/**
 * Where the buckets are counted when not in this process alone: Redis, shared by every node; or
 * the primary process, shared by the workers of this node (core/shared-state.ts).
 */
export type SharedLimits = { redis: Redis; keyPrefix: string } | { state: SharedState };

/**
 * A @fastify/rate-limit store whose counts the primary keeps for every worker: the same fixed
 * window the plugin's own store counts in one process. A primary that does not answer fails the
 * count, and the check is skipped (fail open), as with Redis.
 */
function sharedStore(state: SharedState): FastifyRateLimitStoreCtor {
  return class SharedStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow?: number,
    ): void {
      state.hit('rate', key, timeWindow ?? 60_000).then(
        (result) => callback(null, result),
        (error: Error) => callback(error),
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

/**
 * @fastify/rate-limit options for the rate limit of docs/rules.md, "Rate limits":
 * `policy.rateLimit.max` requests per bucket per window. It runs as a preHandler, after
 * authentication, so buckets can be client ids. A refusal is thrown as RATE_LIMITED and written as
 * `{ "message": "Rate Limit Exceeded" }` with `Retry-After` by the scope's error handler.
 */
export function rateLimitOptions(
  policy: Policy,
  bucket: (request: FastifyRequest) => string,
  shared?: SharedLimits,
): RateLimitPluginOptions {
  return {
    // With Redis the buckets are shared by every node. If Redis cannot be reached the check is
    // skipped (fail open) rather than refusing every request; the lockout still counts per node.
    ...(shared &&
      'redis' in shared && {
        redis: shared.redis,
        nameSpace: `${shared.keyPrefix}rate:`,
        skipOnError: true,
      }),
    ...(shared && 'state' in shared && { store: sharedStore(shared.state), skipOnError: true }),
    global: true,
    hook: 'preHandler',
    max: policy.rateLimit.max,
    timeWindow: policy.rateLimit.windowSeconds * 1000,
    keyGenerator: bucket,
    errorResponseBuilder: (_request, context) =>
      new PatinaError('RATE_LIMITED', 'Rate Limit Exceeded', {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  };
}
