import formBody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Policy } from '../../config/schema.js';
import { oauthErrorHandler } from '../errors/oauth.js';
import { clientAddressKey } from '../client-address.js';
import { rateLimitOptions, type SharedLimits } from '../rate-limit.js';
import { keyPart } from '../../storage/redis.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { OAuthCallerAuthenticator } from './caller.js';
import { readOAuthParams } from './params.js';
import type { Introspection } from '../../oauth/introspection.js';
import { registerIntrospectRoute } from './introspect-route.js';
import type { Revocation } from '../../oauth/revocation.js';
import { registerRevokeRoute } from './revoke-route.js';
import { registerTokenRoute, type TokenGrants } from './token-route.js';

export interface OAuthEndpointsOptions {
  grants: TokenGrants;
  callers: OAuthCallerAuthenticator;
  introspection: Introspection;
  revocation: Revocation;
  policy: Policy;
  /** Shared rate-limit buckets (Redis, or the primary's for workers), when there are any. */
  sharedLimits?: SharedLimits | undefined;
  metrics?: Metrics;
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
  await app.register(formBody, { bodyLimit: OAUTH_BODY_LIMIT_BYTES });
  // @fastify/multipart reads the request stream itself, past Fastify's bodyLimit, and cuts a
  // field over fieldSize short without a word. So a multipart body is measured before it is
  // read, and a field may be as long as the whole body limit, never cut.
  app.addHook('onRequest', (request, _reply, done) => done(unboundedMultipart(request)));
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fields: 8, fieldSize: OAUTH_BODY_LIMIT_BYTES, files: 0, parts: 8 },
  });
  await app.register(
    rateLimit,
    rateLimitOptions(
      options.policy,
      (request) => `oauth:${bucketFor(request)}`,
      options.sharedLimits,
    ),
  );
  app.setErrorHandler(oauthErrorHandler);
  registerTokenRoute(app, options.grants, options.metrics);
  registerIntrospectRoute(app, options);
  registerRevokeRoute(app, options);
}

/** The largest body the OAuth endpoints read, form or multipart: their parameters are short. */
const OAUTH_BODY_LIMIT_BYTES = 16_384;

/**
 * A multipart body over the limit is refused before a byte of it is read, as Fastify refuses a
 * form body: its Content-Length says how long it is. One without a Content-Length (chunked) could
 * be any length and is refused too; the clients that send multipart here (SailPoint's SDKs, the
 * form-data package, fetch with FormData) all send the length.
 */
function unboundedMultipart(request: FastifyRequest): Error | undefined {
  if (!request.headers['content-type']?.toLowerCase().startsWith('multipart/')) return undefined;
  const declared = request.headers['content-length'];
  if (declared === undefined) return new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH();
  if (Number(declared) > OAUTH_BODY_LIMIT_BYTES) {
    return new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
  }
  return undefined;
}

/**
 * The rate-limit bucket of an OAuth request: the client id it claims *from its address*. Client
 * ids are not secret, so a bucket per client id alone would let anyone spend another client's
 * requests (and read its use in the rate-limit headers); with the address, a stranger's requests
 * count against the stranger.
 */
function bucketFor(request: FastifyRequest): string {
  try {
    const clientId = readOAuthParams(request).clientId;
    // Client ids are user input and may be a pasted secret: never a key name as they are.
    const address = clientAddressKey(request);
    return clientId === undefined ? `ip:${address}` : `${keyPart(clientId)}:${address}`;
  } catch {
    return `ip:${clientAddressKey(request)}`;
  }
}
