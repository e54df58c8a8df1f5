import formBody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Policy } from '../../config/schema.js';
import { PatinaError } from '../../core/errors.js';
import { rateLimitOptions } from '../rate-limit.js';
import { isUnavailable } from '../../storage/dialect.js';
import { keyPart } from '../../storage/redis.js';
import type { Redis } from 'ioredis';
import type { OAuthCallerAuthenticator } from './caller.js';
import { readOAuthParams } from './params.js';
import type { ClientCredentialsGrant } from '../../oauth/client-credentials.js';
import { OAuthError } from '../../oauth/errors.js';
import type { Introspection } from '../../oauth/introspection.js';
import { registerIntrospectRoute } from './introspect-route.js';
import type { Revocation } from '../../oauth/revocation.js';
import { registerRevokeRoute } from './revoke-route.js';
import { registerTokenRoute } from './token-route.js';

export interface OAuthEndpointsOptions {
  grant: ClientCredentialsGrant;
  callers: OAuthCallerAuthenticator;
  introspection: Introspection;
  revocation: Revocation;
  policy: Policy;
  /** Shared rate-limit buckets (Redis), when configured. */
  sharedLimits?: { redis: Redis; keyPrefix: string } | undefined;
}

/**
 * The OAuth endpoints (token, introspection, revocation) in their own encapsulated plugin: only
 * they parse form and multipart bodies, and their errors are RFC 6749 §5.2 bodies, not
 * SailPoint's.
 */
export async function oauthEndpoints(
  app: FastifyInstance,
  options: OAuthEndpointsOptions,
): Promise<void> {
  app.removeAllContentTypeParsers();
  await app.register(formBody, { bodyLimit: 16_384 });
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fields: 8, fieldSize: 8192, files: 0, parts: 8 },
  });
  await app.register(
    rateLimit,
    rateLimitOptions(
      options.policy,
      (request) => `oauth:${clientIdForLimit(request)}`,
      options.sharedLimits,
    ),
  );
  app.setErrorHandler(oauthErrorHandler);
  registerTokenRoute(app, options.grant);
  registerIntrospectRoute(app, options);
  registerRevokeRoute(app, options);
}

function clientIdForLimit(request: FastifyRequest): string {
  try {
    const clientId = readOAuthParams(request).clientId;
    // Client ids are user input and may be a pasted secret: never a key name as they are.
    return clientId === undefined ? `ip:${request.ip}` : keyPart(clientId);
  } catch {
    return `ip:${request.ip}`;
  }
}

function oauthErrorHandler(
  raw: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  void reply.header('cache-control', 'no-store');
  if (raw instanceof PatinaError && raw.code === 'RATE_LIMITED') {
    return reply.code(429).send({ message: 'Rate Limit Exceeded' });
  }
  let error: OAuthError;
  if (raw instanceof OAuthError) {
    error = raw;
  } else if (
    (raw as FastifyError).statusCode !== undefined &&
    (raw as FastifyError).statusCode! < 500
  ) {
    const code = (raw as FastifyError).code;
    error = new OAuthError(
      'invalid_request',
      code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'The body must be application/x-www-form-urlencoded or multipart/form-data'
        : code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'The request body is too large'
          : 'The request body could not be read',
    );
  } else if (isUnavailable(raw)) {
    request.log.warn({ err: { message: raw.message } }, 'database unavailable');
    error = new OAuthError(
      'temporarily_unavailable',
      'The service cannot reach its database right now; retry shortly',
      1,
    );
  } else {
    request.log.error({ err: raw }, 'OAuth request failed');
    error = new OAuthError('server_error', 'The server could not complete the request');
  }
  if (error.error === 'invalid_client')
    void reply.header('www-authenticate', 'Basic realm="patina"');
  if (error.retryAfterSeconds !== undefined)
    void reply.header('retry-after', error.retryAfterSeconds);
  return reply
    .code(error.status)
    .send({ error: error.error, error_description: error.description });
}
