import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Policy } from '../config/schema.js';
import { PatinaError } from '../errors.js';

/**
 * @fastify/rate-limit options for SPEC §2's limit: `policy.rateLimit.max` requests per bucket per
 * window. It runs as a preHandler, after authentication, so buckets can be client ids. A refusal
 * is thrown as RATE_LIMITED and written as `{ "message": "Rate Limit Exceeded" }` with
 * `Retry-After` by the scope's error handler.
 */
export function rateLimitOptions(
  policy: Policy,
  bucket: (request: FastifyRequest) => string,
): RateLimitPluginOptions {
  return {
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
