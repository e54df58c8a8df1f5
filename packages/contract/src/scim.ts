import { Type, type Static } from '@sinclair/typebox';
import { RIGHTS } from './rights.js';
import { DateTime, Id, Nullable } from './schema-helpers.js';
import { ADMIN_BASE } from './versions.js';

/**
 * SCIM 2.0 (RFC 7643, RFC 7644): the organisation's directory (Okta, Microsoft Entra ID, …)
 * provisions and deprovisions identities at `/scim/v2` with a PAT holding `patina:scim:provision`
 * (docs/scim.md). Bodies are `application/scim+json`; errors are SCIM error bodies (§3.12).
 */
export const SCIM_BASE = '/scim/v2';
export const SCIM_MEDIA_TYPE = 'application/scim+json';

/** Schema URNs (RFC 7643 §8.7, RFC 7644 §3.x). */
export const SCIM_SCHEMAS = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** RFC 7644 §3.12 `scimType` values. */
export const SCIM_ERROR_TYPES = [
  'invalidFilter',
  'tooMany',
  'uniqueness',
  'mutability',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'invalidVers',
  'sensitive',
] as const;
export type ScimErrorType = (typeof SCIM_ERROR_TYPES)[number];

/** The console's SCIM setup page (admin API, all-read): where the directory sends, and the events. */
export const SCIM_ADMIN_PATHS = {
  config: `${ADMIN_BASE}/scim/config`,
  events: `${ADMIN_BASE}/scim/events`,
} as const;

/** How many provisioning events Patina keeps (the newest), and the most one list answers. */
export const SCIM_EVENTS_KEPT = 500;
export const SCIM_EVENTS_MAX_LIMIT = 500;

export const ScimConfigResponse = Type.Object(
  {
    baseUrl: Type.String({
      description: "The SCIM base URL to paste into the directory (Okta's, Entra's 'Tenant URL')",
    }),
    right: Type.Literal(RIGHTS.scimProvision, {
      description: "The right the directory's PAT needs (its secret is the bearer token)",
    }),
  },
  { additionalProperties: false },
);
export type ScimConfigResponse = Static<typeof ScimConfigResponse>;

/**
 * One request of the directory to /scim/v2 and how it ended. Never the bearer token, nor a body:
 * what the directory asked, for which resource, and the outcome.
 */
export const ScimEvent = Type.Object(
  {
    id: Id('The event id'),
    time: DateTime('When Patina answered the request'),
    method: Type.String(),
    /** The path without its query string. */
    path: Type.String(),
    status: Type.Integer({ description: 'The HTTP status Patina answered' }),
    resourceType: Type.Unsafe<'User' | 'Group' | null>({
      type: ['string', 'null'],
      enum: ['User', 'Group', null],
    }),
    resourceId: Nullable(Type.String()),
    externalId: Nullable(Type.String()),
    /** userName of a User, displayName of a Group, when known. */
    name: Nullable(Type.String()),
    /** The provisioning client (the PAT owner's identity id), when authenticated. */
    clientId: Nullable(Type.String()),
    /** A short message when it failed (the SCIM error's detail). */
    message: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type ScimEvent = Static<typeof ScimEvent>;

export const ScimEventsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: SCIM_EVENTS_MAX_LIMIT, default: 50 })),
  },
  { additionalProperties: false },
);
export type ScimEventsQuery = Static<typeof ScimEventsQuery>;

/** The newest events first. */
export const ScimEventsResponse = Type.Array(ScimEvent);
export type ScimEventsResponse = Static<typeof ScimEventsResponse>;
