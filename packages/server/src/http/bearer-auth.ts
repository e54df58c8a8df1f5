import type { FastifyReply, FastifyRequest } from 'fastify';
import { PatinaError } from '../core/errors.js';
import type { BearerAuthenticator } from '../auth/bearer.js';
import { NO_METRICS, type Metrics } from '../metrics/metrics.js';
import { AccessTokenError, type AccessTokenErrorCode } from '../tokens/access-tokens.js';
import { clientAddress } from './client-address.js';

/** The PAT's expiry, RFC 3339, on every bearer-authenticated answer (absent: never expires). */
export const TOKEN_EXPIRATION_HEADER = 'patina-token-expiration';

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or undefined. */
export function readBearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/**
 * onRequest hook: every API route needs `Authorization: Bearer <access token>` (RFC 6750 §2.1).
 * A refusal is thrown like any error of the route, so the scope's error handler answers a
 * missing header, a bad token and an outage here exactly as it would inside a route.
 */
export function bearerAuthHook(
  authenticator: BearerAuthenticator,
  metrics: Pick<Metrics, 'bearerCheck'> = NO_METRICS,
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const token = readBearerToken(header);
    if (!token) {
      metrics.bearerCheck(header ? 'malformed' : 'missing');
      throw new PatinaError(
        'UNAUTHORIZED',
        header ? 'The Authorization header is not a Bearer token' : 'A Bearer token is required',
      );
    }
    const principal = await authenticator
      .authenticate(token, { sourceIp: clientAddress(request) })
      .catch((error: unknown) => {
        metrics.bearerCheck(refusalOutcome(error));
        throw error;
      });
    metrics.bearerCheck('valid');
    request.principal = principal;
    // Every answer to an authenticated call says when the PAT behind it expires, as GitHub's
    // token-expiration header does, so a script sees the deadline long before it reaches it. A
    // header set here stays on the reply whatever the route answers, errors included.
    if (principal.patExpirationDate) {
      void reply.header(TOKEN_EXPIRATION_HEADER, principal.patExpirationDate);
    }
  };
}

/** patina_bearer_checks_total's outcome for each reason a token is refused. */
const REFUSALS: Record<AccessTokenErrorCode, string> = {
  TOKEN_MALFORMED: 'malformed',
  TOKEN_EXPIRED: 'expired',
  TOKEN_SIGNATURE_INVALID: 'bad_signature',
  TOKEN_CLAIM_INVALID: 'invalid_claim',
  TOKEN_KEY_UNKNOWN: 'unknown_key',
  TOKEN_REVOKED: 'revoked',
};

function refusalOutcome(error: unknown): string {
  if (error instanceof AccessTokenError) return REFUSALS[error.code];
  return error instanceof PatinaError && error.code === 'UNAVAILABLE' ? 'unavailable' : 'error';
}
