import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Id, Nullable, pageQueryFields, StringEnum } from './schema-helpers.js';

/** Patina's identities: the owners of PATs (admin API, `/patina/v1/identities`). */
export const IDENTITY_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export type IdentityStatus = (typeof IDENTITY_STATUSES)[number];

const IdentityStatusSchema = StringEnum(IDENTITY_STATUSES);

/** Where Patina mails the identity about its PATs (expiry, revocation); RFC 5321 bounds. */
const Email = Type.String({
  format: 'email',
  maxLength: 254,
  description: 'Where notifications about its PATs are mailed',
  examples: ['ada@example.com'],
});

export const IdentityResponse = Type.Object(
  {
    id: Id('The identity id'),
    login: Type.String({ description: 'Unique login name; user_name in access tokens' }),
    name: Type.String(),
    status: IdentityStatusSchema,
    roles: Type.Array(Type.String()),
    rights: Type.Array(Type.String(), { description: 'Rights granted directly, beside roles' }),
    email: Type.Optional(Email),
    created: DateTime('When the identity was created'),
    modified: DateTime('When the identity last changed'),
  },
  { $id: 'Identity' },
);
export type Identity = Static<typeof IdentityResponse>;

export const CreateIdentityRequest = Type.Object(
  {
    name: Type.String({ description: 'Display name' }),
    login: Type.Optional(Type.String({ description: 'Unique login; default derived from name' })),
    roles: Type.Optional(Type.Array(Type.String(), { description: 'Default ["USER"]' })),
    rights: Type.Optional(Type.Array(Type.String())),
    status: Type.Optional(IdentityStatusSchema),
    email: Type.Optional(Nullable(Email)),
  },
  { additionalProperties: false, $id: 'CreateIdentityRequest' },
);
export type CreateIdentityRequest = Static<typeof CreateIdentityRequest>;

export const IdentityMergePatch = Type.Object(
  {
    name: Type.Optional(Type.String()),
    roles: Type.Optional(Type.Array(Type.String())),
    rights: Type.Optional(Type.Array(Type.String())),
    status: Type.Optional(IdentityStatusSchema),
    email: Type.Optional(Nullable(Email)),
  },
  {
    additionalProperties: false,
    $id: 'IdentityMergePatch',
    description: 'RFC 7396 merge patch; `email: null` removes the address',
  },
);
export type IdentityMergePatch = Static<typeof IdentityMergePatch>;

export const PageQuery = Type.Object(pageQueryFields);
export type PageQuery = Static<typeof PageQuery>;
