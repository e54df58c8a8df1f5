import {
  ExchangedTokenResponse,
  JWT_BEARER_GRANT,
  OAUTH_ERROR_RESPONSES,
  TOKEN_EXCHANGE_GRANT,
  TOKEN_TYPES,
  TokenRequest,
  TokenResponse,
} from '@patina/contract';
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
  invalidDpopProof,
  unsupportedGrantType,
  unsupportedTokenType,
  useDpopNonce,
} from '../../oauth/errors.js';
import { DpopError, type DpopVerifier } from '../../tokens/dpop.js';
import type { FederatedExchange } from '../../federation/federated-exchange.js';
import type { DelegatedExchange, DelegationRequest } from '../../federation/delegation.js';
import type { TokenRequestParams } from './params.js';

/** The grants behind the token endpoint. */
export interface TokenGrants {
  /** client_credentials with a PAT's id and secret. */
  clientCredentials: ClientCredentialsGrant;
  /** A workload's OIDC token, by token exchange or the JWT bearer grant (docs/federation.md). */
  federated: FederatedExchange;
  /** A Patina access token for a narrower one (RFC 8693 delegation). */
  delegation: DelegatedExchange;
  /** RFC 9449: the proofs of DPoP, and the token endpoint's URL as proofs name it (htu). */
  dpop: { verifier: DpopVerifier; tokenEndpoint: string };
}

/**
 * `POST /oauth/token`: the client_credentials grant with PAT credentials (docs/rules.md, "The token
 * endpoint"), and a workload's OIDC token by RFC 8693 token exchange or the RFC 7523 JWT bearer
 * grant (docs/federation.md).
 */
export function registerTokenRoute(
  app: FastifyInstance,
  grants: TokenGrants,
  metrics: Pick<Metrics, 'tokenExchange'> = NO_METRICS,
): void {
  app.post(
    '/oauth/token',
    {
      config: { surface: 'oauth', swaggerTransform: documentedFormBody(Type.Ref(TokenRequest)) },
      schema: {
        tags: ['OAuth 2.0'],
        operationId: 'token',
        summary:
          'Exchange PAT credentials (client_credentials) or a workload’s OIDC token (token exchange, JWT bearer) for an access token',
        description:
          'Credentials as an application/x-www-form-urlencoded or multipart/form-data body, query parameters, or HTTP Basic. Optional `scope` narrows the grant; optional `resource` (RFC 8707) sets the audience. A workload without a secret sends its platform’s OIDC token as `subject_token` (RFC 8693) or `assertion` (RFC 7523), accepted under a trust policy.',
        response: {
          200: Type.Union(
            [
              Type.Ref(TokenResponse, { description: 'client_credentials: RFC 6749 §5.1' }),
              Type.Ref(ExchangedTokenResponse, { description: 'federated: RFC 8693 §2.2.1' }),
            ],
            { description: 'An access token' },
          ),
          ...OAUTH_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      let result;
      try {
        result = await exchange(request, grants);
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
async function exchange(request: FastifyRequest, grants: TokenGrants) {
  const params = readOAuthParams(request);
  if (params.grantType === undefined) {
    throw missingParameter('grant_type');
  }
  // Most requests carry no proof: they pay no await for it.
  const dpopJkt =
    request.headers.dpop === undefined ? undefined : await proofKey(request, grants.dpop);
  if (params.grantType === TOKEN_EXCHANGE_GRANT || params.grantType === JWT_BEARER_GRANT) {
    return federated(request, params, grants, dpopJkt);
  }
  if (params.grantType !== 'client_credentials') {
    throw unsupportedGrantType();
  }
  if (!params.clientId || params.clientSecret === undefined) {
    throw clientAuthenticationRequired();
  }
  return grants.clientCredentials.exchange({
    clientId: params.clientId,
    clientSecret: params.clientSecret,
    scope: params.scope,
    resources: params.resources,
    context: { ...auditContext(request), actorId: null, actorName: null },
    dpopJkt,
  });
}

/**
 * The key of the request's DPoP proof (RFC 9449 §5), to bind the token to (a DPoP header came).
 * A bad proof is `invalid_dpop_proof`; one without the nonce required, `use_dpop_nonce` with it.
 */
async function proofKey(request: FastifyRequest, dpop: TokenGrants['dpop']): Promise<string> {
  const header = request.headers.dpop;
  if (typeof header !== 'string') throw invalidDpopProof('send one DPoP header, not several');
  try {
    const { jkt } = await dpop.verifier.verify({
      proof: header,
      method: 'POST',
      url: dpop.tokenEndpoint,
    });
    return jkt;
  } catch (error) {
    if (!(error instanceof DpopError)) throw error;
    if (error.kind === 'nonce' && dpop.verifier.nonces) {
      throw useDpopNonce(dpop.verifier.nonces.current());
    }
    throw invalidDpopProof(error.message);
  }
}

/**
 * Token exchange (RFC 8693 §2.1) or the JWT bearer grant (RFC 7523 §2.1) with a workload's OIDC
 * token. No client secret: the token is the proof; `client_id` may name the trust policy.
 */
function federated(
  request: FastifyRequest,
  params: TokenRequestParams,
  grants: TokenGrants,
  dpopJkt: string | undefined,
) {
  if (params.clientSecret !== undefined) {
    throw unsupportedTokenType('client_secret', 'absent: a federated exchange has no secret');
  }
  const exchangeGrant = params.grantType === TOKEN_EXCHANGE_GRANT;
  const token = exchangeGrant ? params.subjectToken : params.assertion;
  if (token === undefined) {
    throw missingParameter(exchangeGrant ? 'subject_token' : 'assertion');
  }
  const context = { ...auditContext(request), actorId: null, actorName: null };
  if (exchangeGrant) {
    if (params.subjectTokenType === undefined) throw missingParameter('subject_token_type');
    if (
      params.requestedTokenType !== undefined &&
      params.requestedTokenType !== TOKEN_TYPES.accessToken
    ) {
      throw unsupportedTokenType('requested_token_type', TOKEN_TYPES.accessToken);
    }
    if (params.subjectTokenType === TOKEN_TYPES.accessToken) {
      return grants.delegation.exchange({
        subjectToken: token,
        actor: actorOf(params),
        scope: params.scope,
        resources: params.resources,
        context,
        dpopJkt,
      });
    }
    if (
      params.subjectTokenType !== TOKEN_TYPES.jwt &&
      params.subjectTokenType !== TOKEN_TYPES.idToken
    ) {
      throw unsupportedTokenType(
        'subject_token_type',
        `${TOKEN_TYPES.jwt}, ${TOKEN_TYPES.idToken} or ${TOKEN_TYPES.accessToken}`,
      );
    }
    if (params.actorToken !== undefined) {
      throw unsupportedTokenType(
        'actor_token',
        `absent unless the subject_token is a Patina access token (${TOKEN_TYPES.accessToken})`,
      );
    }
  }
  return grants.federated.exchange({
    grant: exchangeGrant ? 'token-exchange' : 'jwt-bearer',
    token,
    policyId: params.clientId,
    scope: params.scope,
    resources: params.resources,
    context,
    dpopJkt,
  });
}

/** The actor of a delegation: actor_token with its type (RFC 8693 §2.1 requires both). */
function actorOf(params: TokenRequestParams): DelegationRequest['actor'] {
  if (params.actorToken === undefined) {
    if (params.actorTokenType !== undefined) throw missingParameter('actor_token');
    return undefined;
  }
  if (params.actorTokenType === undefined) throw missingParameter('actor_token_type');
  if (
    params.actorTokenType !== TOKEN_TYPES.accessToken &&
    params.actorTokenType !== TOKEN_TYPES.jwt
  ) {
    throw unsupportedTokenType(
      'actor_token_type',
      `${TOKEN_TYPES.accessToken} or ${TOKEN_TYPES.jwt}`,
    );
  }
  return { token: params.actorToken, type: params.actorTokenType };
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
