import { Type, type Static } from '@sinclair/typebox';
import { FreeText } from './free-text.js';
import { DateTime, Id, Nullable, StringEnum } from './schema-helpers.js';
import { Justification, TicketUrl } from './governance.js';
import { ADMIN_BASE } from './versions.js';
import { CreatePatRequest, CreatePatResponse, GetPatResponse, ListPatsQuery } from './pats.js';

/**
 * Patina's own PAT resource (`/patina/v1/personal-access-tokens`) and the lifecycle operations
 * SailPoint's API does not have: rotation with a grace window, revocation of leaked secrets by
 * their value, offboarding. The SailPoint surfaces never take or return any of these fields.
 * Each schema reuses the SailPoint members it extends, so the two cannot drift apart.
 */

/** Patina's own PAT resource. */
export const PATINA_PATS_PATH = `${ADMIN_BASE}/personal-access-tokens`;

/** Where a PAT stands against its expiry; EXPIRING is within `policy.expiringSoonDays`. */
export const PAT_STATUSES = ['ACTIVE', 'EXPIRING', 'EXPIRED'] as const;
export type PatStatus = (typeof PAT_STATUSES)[number];

/** Why Patina revoked a PAT (the `reason` of a `PERSONAL_ACCESS_TOKEN_REVOKED` event). */
/** REVIEW: an access review revoked it (a reviewer's decision, or undecided at the deadline). */
export const PAT_REVOCATION_REASONS = [
  'LEAKED',
  'INACTIVE',
  'OFFBOARDED',
  'REUSED',
  'REVIEW',
] as const;
export type PatRevocationReason = (typeof PAT_REVOCATION_REASONS)[number];

/** The longest grace window of a rotation: a week. */
export const MAX_ROTATION_GRACE_SECONDS = 604_800;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_ALLOWED_CIDRS = 100;
/** How many credentials one leak report may carry. */
export const MAX_LEAKED_CREDENTIALS = 1000;
/** How many distinct source addresses a PAT remembers (`lastUsedFrom`). */
export const MAX_LAST_USED_FROM = 5;

const descriptionOptions = {
  maxLength: MAX_DESCRIPTION_LENGTH,
  description: 'Free text for people: what the PAT is for; 0..1000 characters',
};
const description = Type.String(descriptionOptions);
/** What a client may send: the same, under the free-text rule. */
const descriptionSent = FreeText(descriptionOptions);

const allowedCidrs = Nullable(
  Type.Array(Type.String({ maxLength: 64 }), {
    minItems: 1,
    maxItems: MAX_ALLOWED_CIDRS,
    description:
      'IPv4 and IPv6 CIDRs (a bare address is one host) the PAT may be used from; null for anywhere',
    examples: [['203.0.113.0/24', '2001:db8::/32']],
  }),
);

export const PatUseSource = Type.Object(
  {
    ip: Type.String({ description: 'The client address, as Patina saw it (trustProxy applied)' }),
    userAgent: Nullable(Type.String({ description: 'The User-Agent sent with the exchange' })),
    at: DateTime('When the PAT was last exchanged from this address; at most once a minute'),
  },
  { $id: 'PatUseSource', description: 'One address a PAT was exchanged from' },
);
export type PatUseSource = Static<typeof PatUseSource>;

/** What a warning of a create or change answer is about. */
export const PAT_WARNING_CODES = ['GRANTS_NOTHING'] as const;
export type PatWarningCode = (typeof PAT_WARNING_CODES)[number];

/**
 * Something the caller should know about a PAT that was nevertheless made or changed: SailPoint
 * accepts it, so Patina does too, and says so here.
 */
export const PatWarning = Type.Object(
  {
    code: StringEnum(
      PAT_WARNING_CODES,
      'GRANTS_NOTHING: none of the scopes is a right the owner holds now, so an exchange is refused with invalid_scope until the owner gets one',
    ),
    field: Type.String({ description: 'The request member the warning is about' }),
    message: Type.String({ description: 'The warning, for people' }),
  },
  { additionalProperties: false },
);
export type PatWarning = Static<typeof PatWarning>;

const requireDpop = Type.Boolean({
  description:
    'DPoP-bound tokens only (RFC 9449): an exchange without a DPoP proof is refused, and so is a token of the PAT sent as a Bearer token',
});

const patinaFields = {
  description,
  allowedCidrs,
  requireDpop,
  status: StringEnum(
    PAT_STATUSES,
    'ACTIVE, EXPIRING (expires within policy.expiringSoonDays) or EXPIRED',
  ),
  lastUsedFrom: Type.Array(Type.Ref('PatUseSource'), {
    maxItems: MAX_LAST_USED_FROM,
    description: 'The last 5 distinct addresses the PAT was exchanged from, newest first',
  }),
  rotatedAt: Nullable(DateTime('When the secret was last rotated; null if never')),
  previousSecretValidUntil: Nullable(
    DateTime(
      'Until when the secret before the last rotation still works; null when that rotation had no grace window, or there was none',
    ),
  ),
  warnings: Type.Optional(
    Type.Array(PatWarning, {
      description:
        'Only in the answer to a create or a change, and only when there is something to say: e.g. a PAT whose scopes grant its owner nothing',
    }),
  ),
};

export const PatinaPat = Type.Object(
  { ...GetPatResponse.properties, ...patinaFields },
  {
    $id: 'PatinaPersonalAccessToken',
    description: "SailPoint's Get response plus Patina's fields",
  },
);
export type PatinaPat = Static<typeof PatinaPat>;

export const PatinaCreatePatResponse = Type.Object(
  { ...PatinaPat.properties, secret: CreatePatResponse.properties.secret },
  {
    $id: 'PatinaCreatePersonalAccessTokenResponse',
    description: 'The PAT with its secret: answered by create and by rotate, the only times',
  },
);
export type PatinaCreatePatResponse = Static<typeof PatinaCreatePatResponse>;

export const PatinaCreatePatRequest = Type.Object(
  {
    ...CreatePatRequest.properties,
    description: Type.Optional(descriptionSent),
    allowedCidrs: Type.Optional(allowedCidrs),
    requireDpop: Type.Optional(requireDpop),
    justification: Type.Optional(Justification),
    ticketUrl: Type.Optional(TicketUrl),
  },
  { additionalProperties: false, $id: 'PatinaCreatePersonalAccessTokenRequest' },
);
export type PatinaCreatePatRequest = Static<typeof PatinaCreatePatRequest>;

/**
 * RFC 7396 merge patch: a member sent replaces the value, `null` removes it (back to the default:
 * the default scope, no description, no address restriction, the default expiry), an absent one
 * stays as it is.
 */
export const PatinaPatMergePatch = Type.Object(
  {
    name: Type.Optional(CreatePatRequest.properties.name),
    scope: CreatePatRequest.properties.scope,
    description: Type.Optional(Nullable(descriptionSent)),
    allowedCidrs: Type.Optional(allowedCidrs),
    requireDpop: Type.Optional(Nullable(requireDpop)),
    expirationDate: CreatePatRequest.properties.expirationDate,
    userAwareTokenNeverExpires: Type.Optional(
      Nullable(CreatePatRequest.properties.userAwareTokenNeverExpires),
    ),
    justification: Type.Optional(Justification),
    ticketUrl: Type.Optional(TicketUrl),
  },
  {
    additionalProperties: false,
    $id: 'PatinaPersonalAccessTokenMergePatch',
    description: 'RFC 7396 merge patch; null puts a member back to its default',
  },
);
export type PatinaPatMergePatch = Static<typeof PatinaPatMergePatch>;

export const PatinaListPatsQuery = Type.Object({
  ...ListPatsQuery.properties,
  filters: Type.Optional(
    Type.String({
      description:
        'SailPoint filter syntax over name (eq, co, sw), lastUsed (le, ge, isnull), expirationDate (le, ge, isnull), created (le, ge), managed (eq) and status (eq), with and/or/not and parentheses',
      examples: ['status eq "EXPIRING" and name sw "ci-"'],
    }),
  ),
});
export type PatinaListPatsQuery = Static<typeof PatinaListPatsQuery>;

export const RotatePatRequest = Type.Object(
  {
    gracePeriodSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_ROTATION_GRACE_SECONDS,
        default: 0,
        description:
          'How long the old secret keeps working beside the new one, 0..604800 seconds; 0 ends it at once',
      }),
    ),
  },
  { additionalProperties: false, $id: 'RotatePersonalAccessTokenRequest' },
);
export type RotatePatRequest = Static<typeof RotatePatRequest>;

export const RevokeCredentialsRequest = Type.Object(
  {
    credentials: Type.Array(Type.String({ maxLength: 256 }), {
      minItems: 1,
      maxItems: MAX_LEAKED_CREDENTIALS,
      description:
        'Strings found somewhere they should not be; each that is a live Patina secret revokes its PAT',
    }),
  },
  { additionalProperties: false, $id: 'RevokeCredentialsRequest' },
);
export type RevokeCredentialsRequest = Static<typeof RevokeCredentialsRequest>;

/** Always empty: the answer never tells which credentials were real. */
export const RevokeCredentialsResponse = Type.Object(
  {},
  { additionalProperties: false, $id: 'RevokeCredentialsResponse' },
);
export type RevokeCredentialsResponse = Static<typeof RevokeCredentialsResponse>;

export const OffboardRequest = Type.Object(
  {
    dryRun: Type.Optional(
      Type.Boolean({ default: false, description: 'true: change nothing, answer what would be' }),
    ),
    disable: Type.Optional(
      Type.Boolean({ default: true, description: 'false: revoke the PATs, keep the identity' }),
    ),
  },
  { additionalProperties: false, $id: 'OffboardIdentityRequest' },
);
export type OffboardRequest = Static<typeof OffboardRequest>;

export const OffboardResponse = Type.Object(
  {
    identityId: Id('The identity offboarded'),
    dryRun: Type.Boolean(),
    disabled: Type.Boolean({
      description: 'Whether the identity is (with dryRun: would be) disabled afterwards',
    }),
    revoked: Type.Array(
      Type.Object({
        id: Id('The PAT id'),
        name: Type.String(),
        managed: Type.Boolean(),
      }),
      { description: 'Every PAT revoked (with dryRun: that would be), managed ones too' },
    ),
  },
  { $id: 'OffboardIdentityResponse' },
);
export type OffboardResponse = Static<typeof OffboardResponse>;

/** The `$id` schemas of this file, for SHARED_SCHEMAS. */
export const PATINA_PAT_SCHEMAS = [
  PatUseSource,
  PatinaPat,
  PatinaCreatePatResponse,
  PatinaCreatePatRequest,
  PatinaPatMergePatch,
  RotatePatRequest,
  RevokeCredentialsRequest,
  RevokeCredentialsResponse,
  OffboardRequest,
  OffboardResponse,
] as const;
