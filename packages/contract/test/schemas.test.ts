import { Kind, type TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import * as contract from '../src/index.js';
import { SHARED_SCHEMAS } from '../src/index.js';

/** Every TypeBox schema the package exports, by export name. */
const EXPORTED_SCHEMAS = Object.entries(contract as Record<string, unknown>).filter(
  (entry): entry is [string, TSchema] =>
    typeof entry[1] === 'object' && entry[1] !== null && Kind in entry[1],
);

/** Every `$ref` inside a schema, however deep. */
function refsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) refsIn(item, found);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsIn(value, found);
    }
  }
  return found;
}

describe('SHARED_SCHEMAS', () => {
  const ids = SHARED_SCHEMAS.map((schema) => schema.$id);

  it('gives every shared schema an $id, each a different one', () => {
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('shares no $id with any other exported schema (ajv refuses a second schema of one $id)', () => {
    const all = EXPORTED_SCHEMAS.map(([, schema]) => schema.$id).filter((id) => id !== undefined);
    expect(all).toEqual(expect.arrayContaining(ids));
    expect(all.filter((id, i) => all.indexOf(id) !== i)).toEqual([]);
  });

  it('resolves every $ref of every exported schema', () => {
    const dangling = EXPORTED_SCHEMAS.flatMap(([name, schema]) =>
      refsIn(schema)
        .filter((ref) => !ids.includes(ref))
        .map((ref) => `${name} → ${ref}`),
    );
    expect(EXPORTED_SCHEMAS.some(([, schema]) => refsIn(schema).length > 0)).toBe(true);
    expect(dangling).toEqual([]);
  });
});
