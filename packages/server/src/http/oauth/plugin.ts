import formBody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Policy } from '../../config/schema.js';
import { oauthErrorHandler } from '../errors/oauth.js';
import { rateLimitOptions } from '../rate-limit.js';
import { keyPart } from '../../storage/redis.js';
import type { Redis } from 'ioredis';
import type { OAuthCallerAuthenticator } from './caller.js';
import { readOAuthParams } from './params.js';
import type { ClientCredentialsGrant } from '../../oauth/client-credentials.js';
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
