import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The wire schemas. Fastify validates requests with them and serialises responses through them,
 * and the OpenAPI document is generated from them, so the three cannot drift apart.
 */

/** `T | null` as JSON Schema 2020-12 / OpenAPI 3.1 write it: `type: [T, "null"]`. */
export function Nullable<T extends TSchema>(schema: T) {
  const type = (schema as { type?: string }).type;
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] });
}

const DateTime = (description: string) =>
  Type.String({ format: 'date-time', description, examples: ['2017-07-11T18:45:37.098Z'] });
const Id = (description: string) =>
  Type.String({
    pattern: '^[0-9a-f]{32}$',
    description,
    examples: ['86f1dc6fe8f54414950454cbb11278fa'],
  });

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

const createFields = {
  name: Type.String({
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

/** The admin form: an administrator may also make a managed PAT. Owners cannot send this. */
export const AdminCreatePatRequest = Type.Object(
  {
    ...createFields,
    managed: Type.Optional(Type.Boolean({ description: 'Platform-managed PAT' })),
  },
  { additionalProperties: false, $id: 'AdminCreatePersonalAccessTokenRequest' },
);

export const JsonPatchOperation = Type.Object(
  {
    op: StringEnum(['add', 'remove', 'replace', 'move', 'copy', 'test'], 'RFC 6902 operation'),
    path: Type.String({
      description:
        'One of /name, /scope (or /scope/N, /scope/-), /expirationDate, /userAwareTokenNeverExpires',
    }),
    value: Type.Optional(Type.Unknown()),
    from: Type.Optional(Type.String()),
  },
  { additionalProperties: false, $id: 'JsonPatchOperation' },
);
export const JsonPatch = Type.Array(Type.Ref('JsonPatchOperation'), {
  description: 'RFC 6902 JSON Patch, applied atomically',
});

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
      description: 'Comma-separated: name, created, lastUsed, expirationDate; - for descending',
    }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 250, default: 250 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  count: Type.Optional(Type.Boolean({ description: 'true: the total count in X-Total-Count' })),
});

export const IdParams = Type.Object({
  id: Type.String({ description: 'The id of the resource' }),
});

export const SailPointError = Type.Object(
  {
    detailCode: Type.String(),
    trackingId: Type.String(),
    messages: Type.Array(
      Type.Object({ locale: Type.String(), localeOrigin: Type.String(), text: Type.String() }),
    ),
    causes: Type.Array(Type.Unknown()),
  },
  { $id: 'ErrorResponse' },
);

export const UnauthorizedError = Type.Object(
  { error: Type.String() },
  { $id: 'UnauthorizedError' },
);
export const RateLimitError = Type.Object({ message: Type.String() }, { $id: 'RateLimitError' });

/** The error responses every API route may give, for the OpenAPI document. */
export const ERROR_RESPONSES = {
  400: Type.Ref('ErrorResponse'),
  401: Type.Ref('UnauthorizedError'),
  403: Type.Ref('ErrorResponse'),
  429: Type.Ref('RateLimitError'),
  500: Type.Ref('ErrorResponse'),
};

// --- admin API ---

/** A string enum as plain JSON Schema `enum`, so a bad value's error can list the allowed ones. */
export function StringEnum<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Unsafe<T[number]>({
    type: 'string',
    enum: [...values],
    ...(description && { description }),
  });
}

const IdentityStatus = StringEnum(['ACTIVE', 'DISABLED']);

export const IdentityResponse = Type.Object(
  {
    id: Id('The identity id'),
    login: Type.String({ description: 'Unique login name; user_name in access tokens' }),
    name: Type.String(),
    status: IdentityStatus,
    roles: Type.Array(Type.String()),
    rights: Type.Array(Type.String(), { description: 'Rights granted directly, beside roles' }),
    created: DateTime('When the identity was created'),
    modified: DateTime('When the identity last changed'),
  },
  { $id: 'Identity' },
);

export const CreateIdentityRequest = Type.Object(
  {
    name: Type.String({ description: 'Display name' }),
    login: Type.Optional(Type.String({ description: 'Unique login; default derived from name' })),
    roles: Type.Optional(Type.Array(Type.String(), { description: 'Default ["USER"]' })),
    rights: Type.Optional(Type.Array(Type.String())),
    status: Type.Optional(IdentityStatus),
  },
  { additionalProperties: false, $id: 'CreateIdentityRequest' },
);

export const IdentityMergePatch = Type.Object(
  {
    name: Type.Optional(Type.String()),
    roles: Type.Optional(Type.Array(Type.String())),
    rights: Type.Optional(Type.Array(Type.String())),
    status: Type.Optional(IdentityStatus),
  },
  { additionalProperties: false, $id: 'IdentityMergePatch', description: 'RFC 7396 merge patch' },
);

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 250, default: 250 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  count: Type.Optional(Type.Boolean()),
});

export const AuditEventResponse = Type.Object(
  {
    id: Type.String(),
    time: DateTime('When it happened'),
    type: Type.String(),
    actor: Type.Object({ id: Nullable(Type.String()), name: Nullable(Type.String()) }),
    target: Type.Object({
      type: Type.String(),
      id: Nullable(Type.String()),
      name: Nullable(Type.String()),
    }),
    outcome: Type.Union([Type.Literal('SUCCESS'), Type.Literal('FAILURE')]),
    sourceIp: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    trackingId: Nullable(Type.String()),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'AuditEvent' },
);

export const AuditQuery = Type.Object({
  type: Type.Optional(
    Type.String({ description: 'An event type, e.g. PERSONAL_ACCESS_TOKEN_CREATED' }),
  ),
  'actor-id': Type.Optional(Type.String()),
  'target-id': Type.Optional(Type.String()),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive lower bound' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive upper bound' })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 250, default: 250 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  count: Type.Optional(Type.Boolean()),
});

/** Every schema referenced by `$ref`, registered once with Fastify (and so with OpenAPI). */
export const SHARED_SCHEMAS = [
  PatOwner,
  GetPatResponse,
  CreatePatResponse,
  CreatePatRequest,
  AdminCreatePatRequest,
  JsonPatchOperation,
  SailPointError,
  UnauthorizedError,
  RateLimitError,
  IdentityResponse,
  CreateIdentityRequest,
  IdentityMergePatch,
  AuditEventResponse,
];
