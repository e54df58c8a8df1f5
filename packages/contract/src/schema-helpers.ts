import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** `T | null` as JSON Schema 2020-12 / OpenAPI 3.1 write it: `type: [T, "null"]`. */
export function Nullable<T extends TSchema>(schema: T) {
  const type = (schema as { type?: string }).type;
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] });
}

/** A string enum as plain JSON Schema `enum`, so a bad value's error can list the allowed ones. */
export function StringEnum<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Unsafe<T[number]>({
    type: 'string',
    enum: [...values],
    ...(description && { description }),
  });
}

/** An RFC 3339 date-time with milliseconds, as every Patina timestamp is written. */
export const DateTime = (description: string) =>
  Type.String({ format: 'date-time', description, examples: ['2017-07-11T18:45:37.098Z'] });

/** The shape of every id Patina makes (identities, PATs, jtis, tracking ids): 32 lower-case hex. */
export const ID_PATTERN_SOURCE = '^[0-9a-f]{32}$';
export const ID_PATTERN = new RegExp(ID_PATTERN_SOURCE);

/** True for a string with an id's shape; anything else may be a pasted secret and is not echoed. */
export function isIdShaped(value: string): boolean {
  return ID_PATTERN.test(value);
}

export const Id = (description: string) =>
  Type.String({
    pattern: ID_PATTERN_SOURCE,
    description,
    examples: ['86f1dc6fe8f54414950454cbb11278fa'],
  });

/** The largest `offset` a list takes: 2^31 - 1. */
export const MAX_OFFSET = 2_147_483_647;

/** Paging of every list: `limit` 0..250 (default 250), `offset`, `count=true` for X-Total-Count. */
export const pageQueryFields = {
  limit: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 250, default: 250, description: 'Page size, 0..250' }),
  ),
  // Bounded: ajv takes `Infinity` and `1e20` for integers, and a value past a 64-bit integer
  // reaches the database as a float (SQLite: "datatype mismatch"). No list is that long.
  offset: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_OFFSET,
      default: 0,
      description: `Items to skip before the page, 0..${MAX_OFFSET}`,
    }),
  ),
  count: Type.Optional(
    Type.Boolean({ description: 'true: the total number of matches in X-Total-Count' }),
  ),
};

/** The header of a list asked with `count=true` (documented on each list's 200). */
export const TOTAL_COUNT_HEADERS = {
  'x-total-count': Type.Integer({
    minimum: 0,
    description: 'With count=true: how many items match, over all pages',
  }),
};

export const IdParams = Type.Object({
  id: Type.String({ description: 'The id of the resource' }),
});
