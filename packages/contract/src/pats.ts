import { Type, type Static } from '@sinclair/typebox';
import { FreeText } from './free-text.js';
import { DateTime, Id, Nullable, pageQueryFields, StringEnum } from './schema-helpers.js';
import { PAT_PATCHABLE_FIELDS } from './versions.js';

/** The PAT resource of SailPoint's API, per its documented request and response DTOs. */

export const PatOwner = Type.Object(
  {
    type: Type.Literal('IDENTITY'),
    id: Id('The identity id of the owner'),
    name: Type.String({ description: 'The display name of the owner' }),
  },
  { $id: 'PatOwner', description: 'The identity the PAT acts as' },
);

const patFields = {
  id: Id('The PAT id: the OAuth client_id, the user name for Basic auth'),
  name: Type.String({ description: 'Unique among the PATs of one owner; 1..128 characters' }),
  scope: Type.Array(Type.String(), { description: 'Scopes of the PAT' }),
  owner: Type.Ref('PatOwner'),
  created: DateTime('When the PAT was created, to the millisecond'),
  accessTokenValiditySeconds: Type.Integer({
    description: 'Lifetime of each access token minted from this PAT, in seconds',
  }),
  expirationDate: Nullable(DateTime('When the PAT expires; null for a never-expiring PAT')),
};

export const GetPatResponse = Type.Object(
  {
    ...patFields,
    lastUsed: Nullable(
      DateTime('When the PAT was last exchanged for an access token; written at most once a day'),
    ),
    managed: Type.Boolean({
      description: 'Made by automation; hidden without the managed-read right',
    }),
    userAwareTokenNeverExpires: Type.Boolean({
      description: 'True where the creator acknowledged a never-expiring PAT',
    }),
  },
  { $id: 'GetPersonalAccessTokenResponse' },
);
export type GetPatResponse = Static<typeof GetPatResponse> & { owner: PatOwnerBody };
export type PatOwnerBody = Static<typeof PatOwner>;

/** The `owner` member of every PAT body: the identity the PAT acts as. */
export function patOwner(pat: { ownerId: string; ownerName: string }): PatOwnerBody {
  return { type: 'IDENTITY', id: pat.ownerId, name: pat.ownerName };
}

export const CreatePatResponse = Type.Object(
  {
    ...patFields,
    secret: Type.String({
      minLength: 64,
      maxLength: 64,
      description: 'The secret: the OAuth client_secret. Returned here once, never again.',
    }),
  },
  { $id: 'CreatePersonalAccessTokenResponse' },
);
export type CreatePatResponse = Static<typeof CreatePatResponse> & { owner: PatOwnerBody };

const createFields = {
  name: FreeText({
    description: 'Required; trimmed; 1..128 characters',
    examples: ['NodeJS Integration'],
  }),
  scope: Type.Optional(
    Nullable(
      Type.Array(Type.String(), {
        description: 'Catalogued scopes, or sp:scopes:all (the default when absent or null)',
      }),
    ),
  ),
  accessTokenValiditySeconds: Type.Optional(
    Type.Integer({ description: 'Lifetime of minted access tokens; 15..43200, default 43200' }),
  ),
  expirationDate: Type.Optional(
    Nullable(
      DateTime(
        'When the PAT expires: in the future, at most the policy maxLifetime after creation',
      ),
    ),
  ),
  userAwareTokenNeverExpires: Type.Optional(
    Type.Boolean({ description: 'With no expirationDate: ask for a never-expiring PAT' }),
  ),
};

export const CreatePatRequest = Type.Object(createFields, {
  additionalProperties: false,
  $id: 'CreatePersonalAccessTokenRequest',
});
export type CreatePatRequest = Static<typeof CreatePatRequest>;

/** The admin form: an administrator may also make a managed PAT. Owners cannot send this. */
export const AdminCreatePatRequest = Type.Object(
  {
    ...createFields,
    managed: Type.Optional(Type.Boolean({ description: 'Platform-managed PAT' })),
  },
  { additionalProperties: false, $id: 'AdminCreatePersonalAccessTokenRequest' },
);
export type AdminCreatePatRequest = Static<typeof AdminCreatePatRequest>;

/** RFC 6902 operations. */
export const JSON_PATCH_OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;
export type JsonPatchOp = (typeof JSON_PATCH_OPS)[number];

export const JsonPatchOperation = Type.Object(
  {
    op: StringEnum(JSON_PATCH_OPS, 'RFC 6902 operation'),
    path: Type.String({
      description: `One of ${PAT_PATCHABLE_FIELDS.map((f) => `/${f}`).join(', ')} (and /scope/N, /scope/-)`,
    }),
    value: Type.Optional(Type.Unknown()),
    from: Type.Optional(Type.String()),
  },
  { additionalProperties: false, $id: 'JsonPatchOperation' },
);
export type JsonPatchOperation = Static<typeof JsonPatchOperation>;
export const JsonPatch = Type.Array(Type.Ref('JsonPatchOperation'), {
  description: 'RFC 6902 JSON Patch, applied atomically',
});

/** Fields the PAT list sorts by (`sorters`, `-` for descending). */
export const PAT_SORT_FIELDS = ['name', 'created', 'lastUsed', 'expirationDate'] as const;
export type PatSortField = (typeof PAT_SORT_FIELDS)[number];

export const ListPatsQuery = Type.Object({
  'owner-id': Type.Optional(
    Type.String({
      description: "'me', an identity id, or absent for every owner (needs all-read)",
    }),
  ),
  filters: Type.Optional(
    Type.String({
      description:
        'SailPoint filter syntax on lastUsed (le, isnull), with and/or/not and parentheses',
      examples: ['lastUsed le 2023-02-05T10:59:27.214Z'],
    }),
  ),
  sorters: Type.Optional(
    Type.String({
      description: `Comma-separated: ${PAT_SORT_FIELDS.join(', ')}; - for descending`,
    }),
  ),
  ...pageQueryFields,
});
export type ListPatsQuery = Static<typeof ListPatsQuery>;
