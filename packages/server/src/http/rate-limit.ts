import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Policy } from '../config/schema.js';
import { PatinaError } from '../core/errors.js';

/**
 * @fastify/rate-limit options for the rate limit of docs/rules.md, "Rate limits":
 * `policy.rateLimit.max` requests per bucket per window. It runs as a preHandler, after
 * authentication, so buckets can be client ids. A refusal is thrown as RATE_LIMITED and written as
 * `{ "message": "Rate Limit Exceeded" }` with `Retry-After` by the scope's error handler.
 */
export function rateLimitOptions(
  policy: Policy,
  bucket: (request: FastifyRequest) => string,
  shared?: { redis: Redis; keyPrefix: string },
): RateLimitPluginOptions {
  return {
    // With Redis the buckets are shared by every node. If Redis cannot be reached the check is
    // skipped (fail open) rather than refusing every request; the lockout still counts per node.
    ...(shared && {
      redis: shared.redis,
      nameSpace: `${shared.keyPrefix}rate:`,
      skipOnError: true,
    }),
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
