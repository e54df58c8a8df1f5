import { OAUTH_ERROR_RESPONSES, TokenRequest, TokenResponse } from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { auditContext } from '../request-context.js';
import { documentedFormBody } from './form-body.js';
import { readOAuthParams } from './params.js';
import type { ClientCredentialsGrant } from '../../oauth/client-credentials.js';
import { OAuthError } from '../../oauth/errors.js';

/**
 * `POST /oauth/token`: the client_credentials grant with PAT credentials (docs/rules.md, "The token
 * endpoint").
 */
export function registerTokenRoute(app: FastifyInstance, grant: ClientCredentialsGrant): void {
  app.post(
    '/oauth/token',
    {
      config: { surface: 'oauth', swaggerTransform: documentedFormBody(Type.Ref(TokenRequest)) },
      schema: {
        tags: ['OAuth 2.0'],
        operationId: 'token',
        summary: 'Exchange PAT credentials for an access token (client_credentials)',
        description:
          'Credentials as an application/x-www-form-urlencoded or multipart/form-data body, query parameters, or HTTP Basic. Optional `scope` narrows the grant; optional `resource` (RFC 8707) sets the audience.',
        response: {
          200: Type.Ref(TokenResponse, { description: 'An access token (RFC 6749 §5.1)' }),
          ...OAUTH_ERROR_RESPONSES,
        },
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
