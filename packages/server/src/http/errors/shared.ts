import type { RateLimitErrorBody } from '@patina/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describeError } from '../../core/log.js';
import type { ClassifiedError } from './classify.js';

/** The text of every 503, whatever the format: what happened, never which host or why. */
export const UNAVAILABLE_TEXT = 'The service cannot reach its database right now; retry shortly';

/** The rate limit's 429, the same on the API and on the OAuth endpoints. */
export function sendRateLimited(reply: FastifyReply, retryAfterSeconds: number | undefined) {
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', retryAfterSeconds);
  const body: RateLimitErrorBody = { message: 'Rate Limit Exceeded' };
  return reply.code(429).send(body);
}

/**
 * What every format does for an outage before it writes its body: a warning (an outage is not a
 * bug: no stack, the driver's words only) and RFC 9110 §10.2.3 `Retry-After`.
 */
export function prepareUnavailable(
  request: FastifyRequest,
  reply: FastifyReply,
  outage: Extract<ClassifiedError, { kind: 'unavailable' }>,
): void {
  const cause = outage.error.cause ?? outage.error;
  request.log.warn({ err: { message: describeError(cause) } }, 'database unavailable');
  void reply.header('retry-after', outage.retryAfterSeconds);
}

/** A fault is logged in full under the request id; its answer says only that it happened. */
export function logFault(request: FastifyRequest, cause: unknown): void {
  request.log.error({ err: cause }, 'request failed');
}
