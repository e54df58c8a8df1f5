import { Type, type Static } from '@sinclair/typebox';
import { FreeText } from './free-text.js';
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

/**
 * The OpenID provider account an identity signs in to the console as: the ID token's `iss` and
 * `sub`, the only claims that name a person stably (OpenID Connect Core §5.7). Set by the
 * identity's first SSO sign-in or by an administrator; `sub` is at most 255 characters (Core §2).
 */
export const SsoLink = Type.Object(
  {
    issuer: Type.String({
      format: 'uri',
      maxLength: 512,
      description: 'The issuer, as the ID token names it in `iss`',
      examples: ['https://login.example.com'],
    }),
    subject: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'The person at that issuer, as the ID token names them in `sub`',
      examples: ['248289761001'],
    }),
  },
  { additionalProperties: false },
);
export type SsoLink = Static<typeof SsoLink>;

export const IdentityResponse = Type.Object(
  {
    id: Id('The identity id'),
    login: Type.String({ description: 'Unique login name; user_name in access tokens' }),
    name: Type.String(),
    status: IdentityStatusSchema,
    roles: Type.Array(Type.String()),
    rights: Type.Array(Type.String(), { description: 'Rights granted directly, beside roles' }),
    email: Type.Optional(Email),
    ssoLink: Type.Optional(
      Type.Object(SsoLink.properties, {
        description: 'The OpenID provider account that signs in as this identity, if any',
      }),
    ),
    directoryManaged: Type.Optional(
      Type.Boolean({
        description:
          'true: provisioned by the directory over SCIM (docs/scim.md); its name, login and roles change only there',
      }),
    ),
    created: DateTime('When the identity was created'),
    modified: DateTime('When the identity last changed'),
  },
  { $id: 'Identity' },
);
export type Identity = Static<typeof IdentityResponse>;

export const CreateIdentityRequest = Type.Object(
  {
    name: FreeText({ description: 'Display name' }),
    login: Type.Optional(FreeText({ description: 'Unique login; default derived from name' })),
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
    name: Type.Optional(FreeText()),
    roles: Type.Optional(Type.Array(Type.String())),
    rights: Type.Optional(Type.Array(Type.String())),
    status: Type.Optional(IdentityStatusSchema),
    email: Type.Optional(Nullable(Email)),
    ssoLink: Type.Optional(
      Nullable(
        Type.Object(SsoLink.properties, {
          additionalProperties: false,
          description:
            'Links the identity to an OpenID provider account, so that account’s SSO sign-ins are this identity; null removes the link',
        }),
      ),
    ),
  },
  {
    additionalProperties: false,
    $id: 'IdentityMergePatch',
    description:
      'RFC 7396 merge patch; `email: null` removes the address, `ssoLink: null` the SSO link',
  },
);
export type IdentityMergePatch = Static<typeof IdentityMergePatch>;

export const PageQuery = Type.Object(pageQueryFields);
export type PageQuery = Static<typeof PageQuery>;
