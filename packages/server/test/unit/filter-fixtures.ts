/** Parsers and expectations shared by the filter tests. */
import { expect } from 'vitest';
import { PatinaError } from '../../src/core/errors.js';
import {
  PAT_FILTER_FIELDS,
  parseFilter,
  type FilterExpr,
  type FilterFieldTable,
} from '../../src/pats/filter.js';

export const parsePat = (input: string) => parseFilter(input, PAT_FILTER_FIELDS);

/** A wider table than the PAT resource's, to cover the rest of the grammar. */
export const TEST_FIELDS = {
  name: { type: 'string', operators: ['eq', 'ne', 'co', 'sw', 'in', 'pr'] },
  status: { type: 'string', operators: ['eq', 'in'] },
  enabled: { type: 'boolean', operators: ['eq', 'ne'] },
  count: { type: 'number', operators: ['eq', 'gt', 'ge', 'lt'] },
  created: { type: 'date-time', operators: ['gt', 'lt', 'in'] },
  a: { type: 'string', operators: ['eq'] },
  b: { type: 'string', operators: ['eq'] },
  c: { type: 'string', operators: ['eq'] },
} as const satisfies FilterFieldTable;
export const parseTest = (input: string) => parseFilter(input, TEST_FIELDS);

/** Runs `parse` and returns the PatinaError it threw, failing the test if it did not throw one. */
export function errorOf(parse: () => unknown): PatinaError {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(PatinaError);
    return err as PatinaError;
  }
  throw new Error('expected the filter to be rejected');
}

export function expectRejected(
  input: string,
  message: string,
  fields: FilterFieldTable = PAT_FILTER_FIELDS,
) {
  const err = errorOf(() => parseFilter(input, fields));
  expect({ code: err.code, field: err.field, message: err.message }).toEqual({
    code: 'BAD_REQUEST',
    field: 'filters',
    message,
  });
}

export const le = (value: string): FilterExpr => ({
  kind: 'compare',
  field: 'lastUsed',
  op: 'le',
  value,
});
export const isnull: FilterExpr = { kind: 'isnull', field: 'lastUsed' };
export const eq = (field: string, value: string): FilterExpr => ({
  kind: 'compare',
  field,
  op: 'eq',
  value,
});
