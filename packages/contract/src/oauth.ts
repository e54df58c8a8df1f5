import { Type, type Static } from '@sinclair/typebox';
import { JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from './federation.js';

/** The OAuth 2.0 endpoints: token (RFC 6749 §4.4), introspection (RFC 7662), revocation (RFC 7009). */

const clientFields = {
  client_id: Type.Optional(
    Type.String({ description: 'The PAT id (or send HTTP Basic, RFC 6749 §2.3.1)' }),
  ),
  client_secret: Type.Optional(Type.String({ description: 'The PAT secret' })),
};

/** `POST /oauth/token` form parameters (also accepted as multipart fields or the query string). */
export const TokenRequest = Type.Object(
  {
    grant_type: Type.Union(
      [
        Type.Literal('client_credentials'),
        Type.Literal(TOKEN_EXCHANGE_GRANT),
        Type.Literal(JWT_BEARER_GRANT),
      ],
      {
        description:
          'client_credentials with a PAT; token exchange (RFC 8693) or the JWT bearer grant (RFC 7523) with a workload’s OIDC token (docs/federation.md)',
      },
    ),
    ...clientFields,
    subject_token: Type.Optional(
      Type.String({
        description:
          'Token exchange: the workload’s OIDC token (a signed JWT), or a Patina access token to delegate',
      }),
    ),
    subject_token_type: Type.Optional(
      Type.Union(
        [
          Type.Literal(TOKEN_TYPES.jwt),
          Type.Literal(TOKEN_TYPES.idToken),
          Type.Literal(TOKEN_TYPES.accessToken),
        ],
        {
          description:
            'Token exchange: the kind of subject_token; access_token for a Patina access token to derive a narrower one from (delegation)',
        },
      ),
    ),
    actor_token: Type.Optional(
      Type.String({
        description:
          'Delegation: who will act for the subject (a Patina access token, or a workload token a trust policy accepts); recorded as the act claim',
      }),
    ),
    actor_token_type: Type.Optional(
      Type.Union([Type.Literal(TOKEN_TYPES.accessToken), Type.Literal(TOKEN_TYPES.jwt)], {
        description: 'Delegation: the kind of actor_token',
      }),
    ),
    requested_token_type: Type.Optional(
      Type.Literal(TOKEN_TYPES.accessToken, {
        description: 'Token exchange: what is wanted; an access token is all Patina issues',
      }),
    ),
    assertion: Type.Optional(
      Type.String({ description: 'JWT bearer grant: the workload’s OIDC token (a signed JWT)' }),
    ),
    scope: Type.Optional(
      Type.String({ description: 'Space-separated scopes narrowing the grant (RFC 6749 §3.3)' }),
    ),
    resource: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], {
        description: 'RFC 8707 resource indicator(s): the audience of the token',
      }),
    ),
  },
  { $id: 'TokenRequest' },
);
export type TokenRequest = Static<typeof TokenRequest>;

/** RFC 6749 §5.1 plus SailPoint's identity fields. */
export const TokenResponse = Type.Object(
  {
    access_token: Type.String({ description: 'An RFC 9068 JWT access token' }),
    token_type: Type.Union([Type.Literal('bearer'), Type.Literal('DPoP')], {
      description: 'DPoP when the request carried a DPoP proof: the token is bound to its key',
    }),
    expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
    scope: Type.String({ description: 'Space-separated rights the token carries' }),
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
  },
  { $id: 'TokenResponse' },
);
export type TokenResponse = Static<typeof TokenResponse>;

export const IntrospectionRequest = Type.Object(
  {
    token: Type.String({ description: 'The access token to look at' }),
    token_type_hint: Type.Optional(Type.String()),
    ...clientFields,
  },
  { $id: 'IntrospectionRequest' },
);
export type IntrospectionRequest = Static<typeof IntrospectionRequest>;

const activeFields = {
  scope: Type.String(),
  client_id: Type.String(),
  sub: Type.String(),
  exp: Type.Integer(),
  iat: Type.Integer(),
  iss: Type.String(),
  jti: Type.String(),
  aud: Type.Union([Type.String(), Type.Array(Type.String())]),
  token_type: Type.Union([Type.Literal('Bearer'), Type.Literal('DPoP')]),
  username: Type.String(),
  cnf: Type.Optional(
    Type.Object(
      { jkt: Type.String() },
      { description: 'RFC 9449 §6: a DPoP-bound token, with its key’s thumbprint' },
    ),
  ),
  allowed_cidrs: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Only when the PAT is restricted: the addresses the token may be used from',
    }),
  ),
};

/** RFC 7662 §2.2; anything not live right now is `{ "active": false }` and nothing more. */
export const IntrospectionResponse = Type.Union(
  [
    Type.Object({ active: Type.Literal(false) }),
    Type.Object({ active: Type.Literal(true), ...activeFields }),
  ],
  { $id: 'IntrospectionResponse' },
);
export type IntrospectionResponse = Static<typeof IntrospectionResponse>;

/**
 * The same answer as one object, for the serialiser: every member but `active` optional (an
 * inactive answer has only `active`).
 */
export const IntrospectionResponseWire = Type.Object(
  {
    active: Type.Boolean(),
    ...Object.fromEntries(
      Object.entries(activeFields).map(([name, schema]) => [name, Type.Optional(schema)]),
    ),
  },
  { description: 'RFC 7662 §2.2 introspection response' },
);

export const RevocationRequest = Type.Object(
  {
    token: Type.String({ description: 'The access token to revoke' }),
    token_type_hint: Type.Optional(Type.String()),
    ...clientFields,
  },
  { $id: 'RevocationRequest' },
);
export type RevocationRequest = Static<typeof RevocationRequest>;

/** `GET /oauth/info`: the tenant description SailPoint's CLI reads before it asks for a token. */
export const OAuthInfo = Type.Object(
  {
    tenantId: Type.String(),
    tenantName: Type.String(),
    org: Type.String(),
    pod: Type.String(),
    tokenEndpoint: Type.String(),
    issuer: Type.String(),
    apiBaseUrl: Type.String(),
  },
  { $id: 'OAuthInfo' },
);
export type OAuthInfo = Static<typeof OAuthInfo>;

/** RFC 8414 §2 metadata, the members Patina publishes. */
export const AuthorizationServerMetadata = Type.Object(
  {
    issuer: Type.String(),
    token_endpoint: Type.String(),
    jwks_uri: Type.String(),
    introspection_endpoint: Type.String(),
    revocation_endpoint: Type.String(),
    grant_types_supported: Type.Array(Type.String()),
    response_types_supported: Type.Array(Type.String()),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    introspection_endpoint_auth_methods_supported: Type.Array(Type.String()),
    revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
    scopes_supported: Type.Array(Type.String()),
    access_token_signing_alg_values_supported: Type.Array(Type.String()),
    dpop_signing_alg_values_supported: Type.Array(Type.String()),
    service_documentation: Type.String(),
  },
  { $id: 'AuthorizationServerMetadata' },
);
export type AuthorizationServerMetadata = Static<typeof AuthorizationServerMetadata>;

/** RFC 7517 §5 JWK Set; each key as RFC 7517 §4 and RFC 7518 §6 write it. */
export const JwkSet = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        { kty: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.String() },
        { additionalProperties: true },
      ),
    ),
  },
  { $id: 'JwkSet' },
);
export type JwkSet = Static<typeof JwkSet>;
