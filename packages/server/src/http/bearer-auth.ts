import type { FastifyReply, FastifyRequest } from 'fastify';
import { PatinaError } from '../core/errors.js';
import { AccessTokenError } from '../tokens/access-tokens.js';
import type { BearerAuthenticator } from '../auth/bearer.js';
import { sendUnauthorized } from './error-handler.js';

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or undefined. */
export function readBearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/** onRequest hook: every API route needs `Authorization: Bearer <access token>` (RFC 6750 §2.1). */
export function bearerAuthHook(authenticator: BearerAuthenticator) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const token = readBearerToken(header);
    if (!token) {
      return sendUnauthorized(
        reply,
        new PatinaError(
          'UNAUTHORIZED',
          header ? 'The Authorization header is not a Bearer token' : 'A Bearer token is required',
        ),
      );
    }
    try {
      request.principal = await authenticator.authenticate(token);
    } catch (error) {
      if (error instanceof AccessTokenError) return sendUnauthorized(reply, error);
      throw error;
    }
  };
}
