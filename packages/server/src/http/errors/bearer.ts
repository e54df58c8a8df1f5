import { DPOP_ALGORITHMS, type UnauthorizedErrorBody } from '@patina/contract';
import type { FastifyReply } from 'fastify';
import type { ClassifiedError } from './classify.js';
import { redactCredentials } from '../../core/redact.js';

type BearerRefusal = Extract<ClassifiedError, { kind: 'bearer' }>;

/**
 * The 401 of the API, as SailPoint answers it, with the `WWW-Authenticate` challenge of RFC 6750
 * §3: the one answer for a missing or malformed header (the bearer hook) and for a bad access
 * token, wherever it was found. Neither the body nor the challenge quotes the token.
 */
export function sendBearerRefusal(reply: FastifyReply, refusal: BearerRefusal) {
  const message = redactCredentials(refusal.message);
  const body: UnauthorizedErrorBody = {
    error: refusal.invalidToken ? `JWT validation failed: ${message}` : message,
  };
  if (refusal.dpop?.nonce) void reply.header('dpop-nonce', refusal.dpop.nonce);
  return reply.code(401).header('www-authenticate', bearerChallenge(refusal)).send(body);
}

/** RFC 6750 §3: a bare challenge without a token, `invalid_token` with one. */
function bearerChallenge(refusal: BearerRefusal): string {
  if (!refusal.invalidToken) return 'Bearer realm="patina"';
  // A header value is visible ASCII: anything else would fail the whole answer.
  const description = redactCredentials(refusal.message).replace(/["\\]|[^\x20-\x7e]/g, '');
  if (refusal.dpop) {
    // RFC 9449 §7.1: the DPoP scheme, with the algorithms a proof may use.
    return `DPoP algs="${DPOP_ALGORITHMS.join(' ')}", error="${refusal.dpop.error}", error_description="${description}"`;
  }
  return `Bearer realm="patina", error="invalid_token", error_description="${description}"`;
}

/** RFC 6750 §3.1: the token is fine but lacks a scope; say which. */
export function insufficientScopeChallenge(scope: string): string {
  return `Bearer realm="patina", error="insufficient_scope", scope="${scope}"`;
}
