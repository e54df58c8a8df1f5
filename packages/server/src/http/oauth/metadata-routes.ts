import {
  ALL_SCOPES,
  AuthorizationServerMetadata,
  DPOP_ALGORITHMS,
  JWT_BEARER_GRANT,
  JwkSet,
  TOKEN_EXCHANGE_GRANT,
} from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type RightsModel } from '../../identities/rights.js';
import type { SigningKeys } from '../../tokens/signing-keys.js';

export const METADATA_PATH = '/.well-known/oauth-authorization-server';
export const JWKS_PATH = '/.well-known/jwks.json';
/** Resource servers refetch on an unknown kid anyway; a minute bounds how stale a set can be. */
const JWKS_MAX_AGE_SECONDS = 60;
const CACHE_HEADERS = {
  'cache-control': Type.String({ description: `public, max-age=${JWKS_MAX_AGE_SECONDS}` }),
};

/**
 * RFC 8414 authorization server metadata and the RFC 7517 JWK Set: what a resource server needs
 * to discover Patina and verify its tokens offline.
 */
export function registerMetadataRoutes(
  app: FastifyInstance,
  deps: { issuer: string; baseUrl: string; keys: SigningKeys; rights: RightsModel },
): void {
  const base = deps.baseUrl;
  const clientAuth = ['client_secret_basic', 'client_secret_post'];
  app.get(
    METADATA_PATH,
    {
      schema: {
        tags: ['OAuth 2.0'],
        operationId: 'authorizationServerMetadata',
        summary: 'Authorization server metadata (RFC 8414)',
        response: {
          200: Type.Ref(AuthorizationServerMetadata, {
            description: 'RFC 8414 §3.2: the endpoints, methods and algorithms of this server',
            headers: CACHE_HEADERS,
          }),
        },
      },
    },
    (_request, reply) => {
      const algorithms = [...new Set(deps.keys.published().map((key) => key.alg))];
      return reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`).send({
        issuer: deps.issuer,
        token_endpoint: `${base}/oauth/token`,
        jwks_uri: `${base}${JWKS_PATH}`,
        introspection_endpoint: `${base}/oauth/introspect`,
        revocation_endpoint: `${base}/oauth/revoke`,
        grant_types_supported: ['client_credentials', TOKEN_EXCHANGE_GRANT, JWT_BEARER_GRANT],
        // No authorization endpoint: only client_credentials, so no response types (§2).
        response_types_supported: [],
        token_endpoint_auth_methods_supported: clientAuth,
        introspection_endpoint_auth_methods_supported: clientAuth,
        revocation_endpoint_auth_methods_supported: clientAuth,
        scopes_supported: [ALL_SCOPES, ...[...deps.rights.catalogue].sort()],
        access_token_signing_alg_values_supported: algorithms,
        dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
        service_documentation: `${base}/openapi.json`,
      });
    },
  );

  app.get(
    JWKS_PATH,
    {
      schema: {
        tags: ['OAuth 2.0'],
        operationId: 'jwks',
        summary: 'Public keys that verify access tokens (RFC 7517 JWK Set)',
        response: {
          200: Type.Ref(JwkSet, {
            description: 'The public keys whose tokens may still be valid, newest first',
            headers: CACHE_HEADERS,
          }),
        },
      },
    },
    (_request, reply) =>
      reply
        .header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
        .send({ keys: deps.keys.published().map((key) => key.publicJwk) }),
  );
}
