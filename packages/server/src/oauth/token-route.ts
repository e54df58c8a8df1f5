import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { auditContext } from '../http/request-context.js';
import { readOAuthParams } from './client-auth.js';
import type { ClientCredentialsGrant } from './client-credentials.js';
import { OAuthError } from './errors.js';
import { OAUTH_ERROR_RESPONSES } from './schemas.js';

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

/** `POST /oauth/token`: the client_credentials grant with PAT credentials (SPEC §3). */
export function registerTokenRoute(app: FastifyInstance, grant: ClientCredentialsGrant): void {
  app.post(
    '/oauth/token',
    {
      config: { surface: 'oauth' },
      schema: {
        tags: ['OAuth 2.0'],
        operationId: 'token',
        summary: 'Exchange PAT credentials for an access token (client_credentials)',
        description:
          'Credentials as an application/x-www-form-urlencoded or multipart/form-data body, query parameters, or HTTP Basic. Optional `scope` narrows the grant; optional `resource` (RFC 8707) sets the audience.',
        response: { 200: TokenResponseSchema, ...OAUTH_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const params = readOAuthParams(request);
      if (params.grantType === undefined) {
        throw new OAuthError('invalid_request', "The parameter 'grant_type' is required");
      }
      if (params.grantType !== 'client_credentials') {
        throw new OAuthError('unsupported_grant_type', 'Only client_credentials is supported');
      }
      if (!params.clientId || params.clientSecret === undefined) {
        throw new OAuthError('invalid_client', 'Client authentication is required');
      }
      const result = await grant.exchange({
        clientId: params.clientId,
        clientSecret: params.clientSecret,
        scope: params.scope,
        resources: params.resources,
        context: { ...auditContext(request), actorId: null, actorName: null },
      });
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(result);
    },
  );
}
