import { Type, type Static } from '@sinclair/typebox';

/**
 * The claims of a Patina access token: RFC 9068 §2.2 (iss, exp, aud, sub, client_id, iat, jti,
 * scope) plus SailPoint's identity claims. A resource server may check a token's payload against
 * this schema after verifying its signature.
 */
export const AccessTokenClaims = Type.Object(
  {
    iss: Type.String(),
    sub: Type.String({ description: 'The identity id of the PAT owner' }),
    aud: Type.Union([Type.String(), Type.Array(Type.String())]),
    exp: Type.Integer(),
    iat: Type.Integer(),
    jti: Type.String(),
    client_id: Type.String({
      description: 'The PAT id; for a federated exchange, the trust policy id (`tp_…`)',
    }),
    scope: Type.String({ description: 'Space-separated rights' }),
    identity_id: Type.String(),
    user_name: Type.String(),
    authorities: Type.Array(Type.String()),
    tenant_id: Type.String(),
    org: Type.String(),
    trust_policy_id: Type.Optional(
      Type.String({
        description:
          'Only on tokens a workload got by federation: the trust policy that let it in (docs/federation.md)',
      }),
    ),
    auth_time: Type.Optional(
      Type.Integer({
        description:
          'On a delegated token: when the credential at the root of the chain was presented (RFC 9068 §2.2.1). Revocation and rotation judge the token by it, not by iat',
      }),
    ),
    act: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'RFC 8693 §4.1: who acts for the subject (sub, client_id), with the earlier actors of the chain nested',
      }),
    ),
    delegation_depth: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'On a delegated token: how many exchanges it is from a PAT or a trust policy. Such a token cannot create or rotate a PAT',
      }),
    ),
    cnf: Type.Optional(
      Type.Object(
        { jkt: Type.String() },
        {
          description:
            'RFC 9449 §6.1: the token is bound to this DPoP key (its JWK SHA-256 thumbprint); it must come with a DPoP proof by that key',
        },
      ),
    ),
    allowed_cidrs: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "Only on tokens of a PAT with allowedCidrs: the IPv4/IPv6 CIDRs the PAT may be used from. Patina's own API refuses the token from elsewhere; a resource server should too (docs/protecting-your-api.md)",
      }),
    ),
  },
  { $id: 'AccessTokenClaims' },
);
export type AccessTokenClaims = Static<typeof AccessTokenClaims>;

/** RFC 9068 §2.1: the `typ` header of a JWT access token. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
