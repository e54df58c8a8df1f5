import type { FastifyRequest } from 'fastify';
import { PatinaError } from '../core/errors.js';
import type { BearerAuthenticator } from '../auth/bearer.js';

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
export function bearerAuthHook(authenticator: BearerAuthenticator) {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const token = readBearerToken(header);
    if (!token) {
      throw new PatinaError(
        'UNAUTHORIZED',
        header ? 'The Authorization header is not a Bearer token' : 'A Bearer token is required',
      );
    }
    request.principal = await authenticator.authenticate(token);
  };
}
