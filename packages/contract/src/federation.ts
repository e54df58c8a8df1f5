import { Type, type Static } from '@sinclair/typebox';
import { FreeText } from './free-text.js';
import { DateTime, Nullable, StringEnum } from './schema-helpers.js';
import { ADMIN_BASE } from './versions.js';

/**
 * Workload identity federation (admin API, `/patina/v1/federation/trust-policies`): a workload
 * proves who it is with the short-lived OIDC token its platform gives it (GitHub Actions, GitLab
 * CI, Kubernetes) and trades it at `POST /oauth/token` (RFC 8693 token exchange or the RFC 7523
 * JWT bearer grant) for a Patina access token, as the service identity a trust policy names. No
 * secret is stored anywhere.
 */

/** The trust policies' collection (ORG_ADMIN: all-read to read, all-manage to change). */
export const TRUST_POLICIES_PATH = `${ADMIN_BASE}/federation/trust-policies`;

/** A trust policy's id: `tp_` and 32 hex digits, never the shape of a PAT id. */
export const TRUST_POLICY_ID_PATTERN = '^tp_[0-9a-f]{32}$';
export const TRUST_POLICY_ID_PREFIX = 'tp_';

export function isTrustPolicyId(value: string): boolean {
  return value.length === 35 && value.startsWith(TRUST_POLICY_ID_PREFIX);
}

/** The grants a workload uses (RFC 8693 §2.1, RFC 7523 §2.1). */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** RFC 8693 §3 token type identifiers a subject token may be. */
export const TOKEN_TYPES = {
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
} as const;

/** The longest chain of delegations (RFC 8693 token exchange with a Patina token) by default. */
export const DEFAULT_MAX_DELEGATION_DEPTH = 3;

/** RFC 9449: the algorithms a DPoP proof may be signed with. */
export const DPOP_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;

/** Signature algorithms an incoming token may use: never `none`, never HMAC. */
export const FEDERATION_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

/** Built-in templates: the platform's issuer and the conditions that pin one workload. */
export const TRUST_POLICY_TEMPLATES = ['github-actions', 'gitlab-ci', 'kubernetes'] as const;
export type TrustPolicyTemplate = (typeof TRUST_POLICY_TEMPLATES)[number];

/** GitHub Actions' and GitLab.com's OIDC issuers. */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';
export const GITLAB_COM_ISSUER = 'https://gitlab.com';

/** The most a policy may let an exchanged access token live: 12 hours. */
export const MAX_FEDERATED_TOKEN_LIFETIME_SECONDS = 43_200;

const ConditionValue = Type.Union(
  [
    Type.String({ minLength: 1, maxLength: 500 }),
    Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { minItems: 1, maxItems: 50 }),
  ],
  {
    description:
      'An exact value, or a glob (`*` any run of characters, `?` one character), or a list of alternatives',
  },
);

const Conditions = Type.Record(Type.String({ minLength: 1, maxLength: 200 }), ConditionValue, {
  maxProperties: 30,
  description:
    'Claim → required value. Every condition must hold. Claims of nested objects by dotted path (`kubernetes.io.namespace`). At least one must pin `sub` or a repository-like claim (repository, repository_id, project_path, project_id, job_workflow_ref, namespace_path).',
  examples: [{ repository: 'acme/payments', ref: 'refs/heads/main' }],
});

const Scope = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  minItems: 1,
  maxItems: 100,
  uniqueItems: true,
  description: "The scopes the workload may get (∩ the identity's rights at each exchange)",
});

const Lifetime = Type.Integer({
  minimum: 60,
  maximum: MAX_FEDERATED_TOKEN_LIFETIME_SECONDS,
  description:
    'Longest life of an access token the policy issues, in seconds; never past the incoming token’s exp. Default 900.',
});

const RequireDpop = Type.Boolean({
  description:
    'Issue DPoP-bound tokens only (RFC 9449): an exchange without a DPoP proof is refused. Default false',
});

const Name = FreeText({ minLength: 1, maxLength: 128, description: 'A name for people' });
const IssuerUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    "The incoming token's `iss`: https, public. Its keys come from `jwksUri`, or from its OpenID discovery document",
  examples: [GITHUB_ACTIONS_ISSUER],
});
const JwksUri = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: "Where the issuer's keys are (https, public); default: the discovery document's",
});
const Audience = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'The `aud` the incoming token must carry; default: Patina’s issuer URL',
});

const TemplateParameters = Type.Object(
  {
    repository: Type.Optional(
      Type.String({ minLength: 3, maxLength: 200, description: 'github-actions: owner/name' }),
    ),
    projectPath: Type.Optional(
      Type.String({ minLength: 3, maxLength: 400, description: 'gitlab-ci: group/project' }),
    ),
    ref: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 400,
        description: 'github-actions: a full ref (`refs/heads/main`); gitlab-ci: a branch or tag',
      }),
    ),
    environment: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'A deployment environment' }),
    ),
    issuer: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description:
          "gitlab-ci: a self-managed GitLab's URL (default https://gitlab.com); kubernetes: the cluster's service-account issuer (required)",
      }),
    ),
    namespace: Type.Optional(
      Type.String({ minLength: 1, maxLength: 253, description: 'kubernetes: the namespace' }),
    ),
    serviceAccount: Type.Optional(
      Type.String({ minLength: 1, maxLength: 253, description: 'kubernetes: the service account' }),
    ),
  },
  { additionalProperties: false, description: "The template's own parameters" },
);

export const CreateTrustPolicyRequest = Type.Object(
  {
    name: Name,
    template: Type.Optional(
      StringEnum(
        TRUST_POLICY_TEMPLATES,
        'Fills issuer and the conditions that pin one workload from templateParameters',
      ),
    ),
    templateParameters: Type.Optional(TemplateParameters),
    issuer: Type.Optional(IssuerUrl),
    jwksUri: Type.Optional(JwksUri),
    audience: Type.Optional(Audience),
    conditions: Type.Optional(Conditions),
    identityId: Type.String({
      minLength: 1,
      description: 'The Patina identity the workload acts as (a service identity)',
    }),
    scope: Scope,
    maxTokenLifetimeSeconds: Type.Optional(Lifetime),
    requireDpop: Type.Optional(RequireDpop),
    enabled: Type.Optional(Type.Boolean({ description: 'Default true' })),
  },
  { additionalProperties: false, $id: 'CreateTrustPolicyRequest' },
);
export type CreateTrustPolicyRequest = Static<typeof CreateTrustPolicyRequest>;

export const TrustPolicyMergePatch = Type.Object(
  {
    name: Type.Optional(Name),
    issuer: Type.Optional(IssuerUrl),
    jwksUri: Type.Optional(Nullable(JwksUri)),
    audience: Type.Optional(Audience),
    conditions: Type.Optional(Conditions),
    identityId: Type.Optional(Type.String({ minLength: 1 })),
    scope: Type.Optional(Scope),
    maxTokenLifetimeSeconds: Type.Optional(Lifetime),
    requireDpop: Type.Optional(RequireDpop),
    enabled: Type.Optional(
      Type.Boolean({
        description: 'false stops the policy at once: its access tokens are refused everywhere',
      }),
    ),
  },
  {
    additionalProperties: false,
    $id: 'TrustPolicyMergePatch',
    description:
      'RFC 7396 merge patch; `conditions` is replaced as a whole. A change of issuer, audience, conditions, identity or scope ends the access tokens the policy issued before it.',
  },
);
export type TrustPolicyMergePatch = Static<typeof TrustPolicyMergePatch>;

export const TrustPolicyResponse = Type.Object(
  {
    id: Type.String({ pattern: TRUST_POLICY_ID_PATTERN, description: 'The trust policy id' }),
    name: Type.String(),
    issuer: Type.String(),
    jwksUri: Nullable(Type.String({ description: 'null: from the discovery document' })),
    audience: Type.String(),
    conditions: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())])),
    identityId: Type.String(),
    identityName: Nullable(Type.String({ description: 'The identity’s name, for people' })),
    scope: Type.Array(Type.String()),
    maxTokenLifetimeSeconds: Type.Integer(),
    requireDpop: Type.Boolean(),
    enabled: Type.Boolean(),
    template: Nullable(StringEnum(TRUST_POLICY_TEMPLATES)),
    lastUsed: Nullable(DateTime('The last successful exchange (written at most once a minute)')),
    created: DateTime('When the policy was created'),
    modified: DateTime('When the policy last changed'),
  },
  { $id: 'TrustPolicy' },
);
export type TrustPolicy = Static<typeof TrustPolicyResponse>;

/** RFC 8693 §2.2.1: the answer to a token exchange (and to the JWT bearer grant). */
export const ExchangedTokenResponse = Type.Object(
  {
    access_token: Type.String({ description: 'An RFC 9068 JWT access token' }),
    issued_token_type: Type.Literal(TOKEN_TYPES.accessToken),
    token_type: Type.Union([Type.Literal('Bearer'), Type.Literal('DPoP')], {
      description: 'DPoP when the request carried a DPoP proof',
    }),
    expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
    scope: Type.String({ description: 'Space-separated rights the token carries' }),
  },
  { $id: 'ExchangedTokenResponse' },
);
export type ExchangedTokenResponse = Static<typeof ExchangedTokenResponse>;
