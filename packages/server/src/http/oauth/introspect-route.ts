import {
  IntrospectionRequest,
  IntrospectionResponseWire,
  OAUTH_ERROR_RESPONSES,
} from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { OAuthCallerAuthenticator } from './caller.js';
import { documentedFormBody } from './form-body.js';
import type { Introspection } from '../../oauth/introspection.js';
import { TOKEN_EXPIRATION_HEADER } from '../bearer-auth.js';

/** `POST /oauth/introspect` (RFC 7662). */
export function registerIntrospectRoute(
  app: FastifyInstance,
  deps: { callers: OAuthCallerAuthenticator; introspection: Introspection },
): void {
  app.post(
    '/oauth/introspect',
    {
      config: {
        surface: 'oauth',
        swaggerTransform: documentedFormBody(Type.Ref(IntrospectionRequest)),
      },
      schema: {
        tags: ['OAuth 2.0'],
        operationId: 'introspect',
        summary: 'Is this access token active? (RFC 7662)',
        description:
          'Form parameter `token`. Authenticate with PAT client credentials (Basic or in the body) or a Patina bearer token. Without the right patina:tokens:introspect, only tokens minted from the caller’s own PAT are reported active.',
        response: { 200: IntrospectionResponseWire, ...OAUTH_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { caller, token } = await deps.callers.readTokenRequest(request, {
        endpoint: 'introspect',
        allowBearer: true,
      });
      const result = await deps.introspection.introspect(caller, token);
      if (caller.bearerPatExpirationDate) {
        void reply.header(TOKEN_EXPIRATION_HEADER, caller.bearerPatExpirationDate);
      }
      return reply.header('cache-control', 'no-store').send(result);
    },
  );
}
