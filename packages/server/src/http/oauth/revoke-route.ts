import { OAUTH_ERROR_RESPONSES, RevocationRequest } from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { auditContext } from '../request-context.js';
import type { OAuthCallerAuthenticator } from './caller.js';
import { documentedFormBody } from './form-body.js';
import type { Revocation } from '../../oauth/revocation.js';

/** `POST /oauth/revoke` (RFC 7009). */
export function registerRevokeRoute(
  app: FastifyInstance,
  deps: { callers: OAuthCallerAuthenticator; revocation: Revocation },
): void {
  app.post(
    '/oauth/revoke',
    {
      config: {
        surface: 'oauth',
        swaggerTransform: documentedFormBody(Type.Ref(RevocationRequest)),
      },
      schema: {
        tags: ['OAuth 2.0'],
        operationId: 'revoke',
        summary: 'Revoke an access token issued to the caller (RFC 7009)',
        description:
          'Form parameter `token` (and optional `token_type_hint`), with PAT client credentials (Basic or in the body). 200 also for unknown, invalid or expired tokens.',
        response: {
          // RFC 7009 §2.2: also for a token that was unknown, invalid or already expired.
          200: Type.Null({ description: 'Revoked, or nothing to revoke; the body is empty' }),
          ...OAUTH_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const { caller, token } = await deps.callers.readTokenRequest(request, {
        endpoint: 'revoke',
        allowBearer: false,
      });
      // token_type_hint is only a hint (§2.1); Patina issues access tokens alone.
      await deps.revocation.revoke(caller, token, {
        ...auditContext(request),
        actorId: null,
        actorName: null,
      });
      // RFC 7009 §2.2: the body is empty; the status alone answers.
      return reply.code(200).header('cache-control', 'no-store').send();
    },
  );
}
