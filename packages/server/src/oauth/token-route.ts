import formBody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Policy } from '../config/schema.js';
import { PatinaError } from '../errors.js';
import { auditContext } from '../http/request-context.js';
import { readTokenRequest } from './client-auth.js';
import type { ClientCredentialsGrant } from './client-credentials.js';
import { OAuthError } from './errors.js';

const TokenResponseSchema = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
  scope: Type.String(),
  jti: Type.String(),
  tenant_id: Type.String(),
  org: Type.String(),
  pod: Type.String(),
  identity_id: Type.String(),
  user_name: Type.String(),
  strong_auth: Type.Boolean(),
  strong_auth_supported: Type.Boolean(),
  enabled: Type.Boolean(),
  internal: Type.Boolean(),
  accessType: Type.String(),
});
const OAuthErrorSchema = Type.Object({ error: Type.String(), error_description: Type.String() });
/** 429 is either the rate limit's `{ message }` or the lockout's OAuth error body. */
const TooManySchema = Type.Object({
  message: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  error_description: Type.Optional(Type.String()),
});

/**
 * `POST /oauth/token`, in its own encapsulated plugin: it alone parses form and multipart bodies,
 * and its errors are RFC 6749 §5.2 bodies, not SailPoint's.
 */
export async function tokenEndpoint(
  app: FastifyInstance,
  options: { grant: ClientCredentialsGrant; policy: Policy },
): Promise<void> {
  app.removeAllContentTypeParsers();
  await app.register(formBody, { bodyLimit: 8192 });
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fields: 8, fieldSize: 4096, files: 0, parts: 8 },
  });
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: options.policy.rateLimit.max,
    timeWindow: options.policy.rateLimit.windowSeconds * 1000,
    keyGenerator: (request) => `oauth:${clientIdForLimit(request)}`,
    errorResponseBuilder: (_request, context) =>
      new PatinaError('RATE_LIMITED', 'Rate Limit Exceeded', {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });
  app.setErrorHandler(oauthErrorHandler);

  app.post(
    '/oauth/token',
    {
      config: { surface: 'oauth' },
      schema: {
        tags: ['OAuth 2.0'],
        operationId: 'token',
        summary: 'Exchange PAT credentials for an access token (client_credentials)',
        description:
          'Credentials as an application/x-www-form-urlencoded or multipart/form-data body, query parameters, or HTTP Basic. Optional `scope` narrows the grant.',
        response: {
          200: TokenResponseSchema,
          400: OAuthErrorSchema,
          401: OAuthErrorSchema,
          429: TooManySchema,
        },
      },
    },
    async (request, reply) => {
      const params = readTokenRequest(request);
      if (params.grantType === undefined) {
        throw new OAuthError('invalid_request', "The parameter 'grant_type' is required");
      }
      if (params.grantType !== 'client_credentials') {
        throw new OAuthError('unsupported_grant_type', 'Only client_credentials is supported');
      }
      if (!params.clientId || params.clientSecret === undefined) {
        throw new OAuthError('invalid_client', 'Client authentication is required');
      }
      const result = await options.grant.exchange({
        clientId: params.clientId,
        clientSecret: params.clientSecret,
        scope: params.scope,
        context: { ...auditContext(request), actorId: null, actorName: null },
      });
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(result);
    },
  );
}

function clientIdForLimit(request: FastifyRequest): string {
  try {
    return readTokenRequest(request).clientId ?? `ip:${request.ip}`;
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
  } else {
    request.log.error({ err: raw }, 'token request failed');
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
