import { OAUTH_ERROR_RESPONSES, TokenRequest, TokenResponse } from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PatinaError } from '../../core/errors.js';
import { NO_METRICS, type Metrics } from '../../metrics/metrics.js';
import { auditContext } from '../request-context.js';
import { documentedFormBody } from './form-body.js';
import { readOAuthParams } from './params.js';
import type { ClientCredentialsGrant } from '../../oauth/client-credentials.js';
import {
  clientAuthenticationRequired,
  missingParameter,
  OAuthError,
  unsupportedGrantType,
} from '../../oauth/errors.js';

/**
 * `POST /oauth/token`: the client_credentials grant with PAT credentials (docs/rules.md, "The token
 * endpoint").
 */
export function registerTokenRoute(
  app: FastifyInstance,
  grant: ClientCredentialsGrant,
  metrics: Pick<Metrics, 'tokenExchange'> = NO_METRICS,
): void {
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
      let result;
      try {
        result = await exchange(request, grant);
      } catch (error) {
        metrics.tokenExchange(exchangeOutcome(error));
        throw error;
      }
      metrics.tokenExchange('success');
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(result);
    },
  );
}

/** The parameters read and checked, then the grant. */
async function exchange(request: FastifyRequest, grant: ClientCredentialsGrant) {
  const params = readOAuthParams(request);
  if (params.grantType === undefined) {
    throw missingParameter('grant_type');
  }
  if (params.grantType !== 'client_credentials') {
    throw unsupportedGrantType();
  }
  if (!params.clientId || params.clientSecret === undefined) {
    throw clientAuthenticationRequired();
  }
  return grant.exchange({
    clientId: params.clientId,
    clientSecret: params.clientSecret,
    scope: params.scope,
    resources: params.resources,
    context: { ...auditContext(request), actorId: null, actorName: null },
  });
}

/**
 * patina_token_exchanges_total's outcome of a failed exchange: the reason the audit trail records
 * for bad client credentials (`wrong_secret`, `unknown_client`, ...), `throttled` for the failure
 * throttle, else the RFC 6749 §5.2 code (`invalid_request`, `invalid_scope`, ...).
 */
function exchangeOutcome(error: unknown): string {
  if (error instanceof OAuthError) {
    return error.reason ?? (error.error === 'too_many_attempts' ? 'throttled' : error.error);
  }
  if (error instanceof PatinaError) {
    return error.code === 'UNAVAILABLE' ? 'unavailable' : 'invalid_request';
  }
  return 'server_error';
}
