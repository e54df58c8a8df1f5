import { describe, expect, it } from 'vitest';
import { PatinaError } from '../../src/errors.js';
import {
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  PAT_FILTER_FIELDS,
  parseFilter,
  type FilterExpr,
  type FilterFieldTable,
} from '../../src/pats/filter.js';

const parsePat = (input: string) => parseFilter(input, PAT_FILTER_FIELDS);

/** A wider table than the PAT resource's, to cover the rest of the grammar. */
const TEST_FIELDS = {
  name: { type: 'string', operators: ['eq', 'ne', 'co', 'sw', 'in', 'pr'] },
  status: { type: 'string', operators: ['eq', 'in'] },
  enabled: { type: 'boolean', operators: ['eq', 'ne'] },
  count: { type: 'number', operators: ['eq', 'gt', 'ge', 'lt'] },
  created: { type: 'date-time', operators: ['gt', 'lt', 'in'] },
  a: { type: 'string', operators: ['eq'] },
  b: { type: 'string', operators: ['eq'] },
  c: { type: 'string', operators: ['eq'] },
} as const satisfies FilterFieldTable;
const parseTest = (input: string) => parseFilter(input, TEST_FIELDS);

/** Runs `parse` and returns the PatinaError it threw, failing the test if it did not throw one. */
function errorOf(parse: () => unknown): PatinaError {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(PatinaError);
    return err as PatinaError;
  }
  throw new Error('expected the filter to be rejected');
}

function expectRejected(
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

const le = (value: string): FilterExpr => ({ kind: 'compare', field: 'lastUsed', op: 'le', value });
const isnull: FilterExpr = { kind: 'isnull', field: 'lastUsed' };
const eq = (field: string, value: string): FilterExpr => ({
  kind: 'compare',
  field,
  op: 'eq',
  value,
});

describe('parseFilter: PAT fields', () => {
  it('parses a le comparison with a bare date-time', () => {
    expect(parsePat('lastUsed le 2023-02-05T10:59:27.214Z')).toEqual(
      le('2023-02-05T10:59:27.214Z'),
    );
  });

  it('parses isnull', () => {
    expect(parsePat('lastUsed isnull')).toEqual(isnull);
  });

  it('parses a quoted date-time like a bare one', () => {
    expect(parsePat('lastUsed le "2023-02-05T10:59:27.214Z"')).toEqual(
      le('2023-02-05T10:59:27.214Z'),
    );
  });

  it('parses not', () => {
    expect(parsePat('not lastUsed isnull')).toEqual({ kind: 'not', item: isnull });
  });

  it('parses or and normalises the date-time to milliseconds', () => {
    expect(parsePat('lastUsed isnull or lastUsed le 2023-02-05T10:59:27Z')).toEqual({
      kind: 'or',
      items: [isnull, le('2023-02-05T10:59:27.000Z')],
    });
  });

  it('parses parentheses, and, not, and converts an offset to UTC', () => {
    expect(parsePat('(lastUsed isnull) and not (lastUsed le 2024-01-01T00:00:00+02:00)')).toEqual({
      kind: 'and',
      items: [isnull, { kind: 'not', item: le('2023-12-31T22:00:00.000Z') }],
    });
  });

  it('normalises other RFC 3339 spellings', () => {
    expect(parsePat('lastUsed le 2023-02-05t10:59:27.1z')).toEqual(le('2023-02-05T10:59:27.100Z'));
    expect(parsePat('lastUsed le 2023-02-05T10:59:27.2145678Z')).toEqual(
      le('2023-02-05T10:59:27.214Z'),
    );
    expect(parsePat('lastUsed le 2023-02-05T23:30:00-05:30')).toEqual(
      le('2023-02-06T05:00:00.000Z'),
    );
    expect(parsePat('lastUsed le 2024-02-29T00:00:00Z')).toEqual(le('2024-02-29T00:00:00.000Z'));
  });

  it('treats keywords and operators case-insensitively', () => {
    expect(parsePat('lastUsed LE 2023-02-05T10:59:27.214Z')).toEqual(
      le('2023-02-05T10:59:27.214Z'),
    );
    expect(parsePat('NOT lastUsed ISNULL AND lastUsed Le 2023-02-05T10:59:27Z')).toEqual({
      kind: 'and',
      items: [{ kind: 'not', item: isnull }, le('2023-02-05T10:59:27.000Z')],
    });
    expect(parsePat('lastUsed isnull Or lastUsed IsNull')).toEqual({
      kind: 'or',
      items: [isnull, isnull],
    });
  });

  it('accepts any amount of spaces and tabs between tokens', () => {
    expect(parsePat(' \t lastUsed\t\tle   2023-02-05T10:59:27.214Z \t')).toEqual(
      le('2023-02-05T10:59:27.214Z'),
    );
    expect(parsePat('(lastUsed isnull)or(not(lastUsed isnull))')).toEqual({
      kind: 'or',
      items: [isnull, { kind: 'not', item: isnull }],
    });
  });

  it('accepts input of exactly the maximum length and nesting of exactly the maximum depth', () => {
    const padded = 'lastUsed isnull'.padEnd(MAX_FILTER_LENGTH, ' ');
    expect(padded).toHaveLength(2000);
    expect(parsePat(padded)).toEqual(isnull);
    const deep = `${'('.repeat(MAX_FILTER_DEPTH)}lastUsed isnull${')'.repeat(MAX_FILTER_DEPTH)}`;
    expect(parsePat(deep)).toEqual(isnull);
  });
});

describe('parseFilter: precedence and the rest of the grammar', () => {
  const [A, B, C] = [eq('a', 'x'), eq('b', 'y'), eq('c', 'z')];

  it('binds and tighter than or', () => {
    expect(parseTest('a eq x or b eq y and c eq z')).toEqual({
      kind: 'or',
      items: [A, { kind: 'and', items: [B, C] }],
    });
    expect(parseTest('a eq x and b eq y or c eq z')).toEqual({
      kind: 'or',
      items: [{ kind: 'and', items: [A, B] }, C],
    });
  });

  it('binds not tighter than and, and lets parentheses override', () => {
    expect(parseTest('not a eq x and b eq y')).toEqual({
      kind: 'and',
      items: [{ kind: 'not', item: A }, B],
    });
    expect(parseTest('not (a eq x and b eq y)')).toEqual({
      kind: 'not',
      item: { kind: 'and', items: [A, B] },
    });
    expect(parseTest('(a eq x or b eq y) and c eq z')).toEqual({
      kind: 'and',
      items: [{ kind: 'or', items: [A, B] }, C],
    });
    expect(parseTest('not not a eq x')).toEqual({
      kind: 'not',
      item: { kind: 'not', item: A },
    });
  });

  it('collects a chain of the same connective into one node', () => {
    expect(parseTest('a eq x or b eq y or c eq z')).toEqual({ kind: 'or', items: [A, B, C] });
    expect(parseTest('a eq x and b eq y and c eq z')).toEqual({ kind: 'and', items: [A, B, C] });
  });

  it('parses in with a list of quoted and bare values', () => {
    expect(parseTest('status in ("active", "expired",revoked )')).toEqual({
      kind: 'in',
      field: 'status',
      values: ['active', 'expired', 'revoked'],
    });
    expect(parseTest('status IN ("one")')).toEqual({
      kind: 'in',
      field: 'status',
      values: ['one'],
    });
    expect(parseTest('created in (2023-01-01T00:00:00Z, "2023-01-01T01:00:00+01:00")')).toEqual({
      kind: 'in',
      field: 'created',
      values: ['2023-01-01T00:00:00.000Z', '2023-01-01T00:00:00.000Z'],
    });
  });

  it('parses sw with a quoted string containing escapes', () => {
    expect(parseTest('name sw "say \\"hi\\" \\\\ bye"')).toEqual({
      kind: 'compare',
      field: 'name',
      op: 'sw',
      value: 'say "hi" \\ bye',
    });
  });

  it('keeps keywords, parentheses and commas inside quotes as text', () => {
    expect(parseTest('name eq "and"')).toEqual(eq('name', 'and'));
    expect(parseTest('name co "a (b, c) or d"')).toEqual({
      kind: 'compare',
      field: 'name',
      op: 'co',
      value: 'a (b, c) or d',
    });
    expect(parseTest('name eq ""')).toEqual(eq('name', ''));
  });

  it('parses pr, boolean and number values', () => {
    expect(parseTest('name pr')).toEqual({ kind: 'present', field: 'name' });
    expect(parseTest('enabled eq TRUE')).toEqual(eq('enabled', 'true'));
    expect(parseTest('count gt -4.5')).toEqual({
      kind: 'compare',
      field: 'count',
      op: 'gt',
      value: '-4.5',
    });
  });
});

describe('parseFilter: errors', () => {
  it('rejects an unknown field, with field names case-sensitive', () => {
    expectRejected(
      'name le 2023-02-05T10:59:27.214Z',
      "Invalid filter: unknown field 'name'; supported fields: lastUsed",
    );
    expectRejected(
      'LASTUSED isnull',
      "Invalid filter: unknown field 'LASTUSED'; supported fields: lastUsed",
    );
    expectRejected(
      'constructor isnull',
      "Invalid filter: unknown field 'constructor'; supported fields: lastUsed",
    );
    expectRejected(
      '__proto__ isnull',
      "Invalid filter: unknown field '__proto__'; supported fields: lastUsed",
    );
  });

  it('rejects an operator the field does not support', () => {
    expectRejected(
      'lastUsed eq 2023-02-05T10:59:27.214Z',
      "Invalid filter: operator 'eq' is not supported for field 'lastUsed'; supported: le, isnull",
    );
    expectRejected(
      'lastUsed CO "2023"',
      "Invalid filter: operator 'co' is not supported for field 'lastUsed'; supported: le, isnull",
    );
    expectRejected(
      'lastUsed pr',
      "Invalid filter: operator 'pr' is not supported for field 'lastUsed'; supported: le, isnull",
    );
    expectRejected(
      'lastUsed in (2023-02-05T10:59:27.214Z)',
      "Invalid filter: operator 'in' is not supported for field 'lastUsed'; supported: le, isnull",
    );
  });

  it('rejects a missing or unknown operator', () => {
    expectRejected(
      'lastUsed',
      "Invalid filter: expected an operator after 'lastUsed' at position 9, found end of input",
    );
    expectRejected(
      'lastUsed before 2023-02-05T10:59:27.214Z',
      "Invalid filter: unknown operator 'before' at position 10; supported for 'lastUsed': le, isnull",
    );
    expectRejected(
      'lastUsed "le" 2023-02-05T10:59:27.214Z',
      "Invalid filter: expected an operator after 'lastUsed' at position 10, found string 'le'",
    );
  });

  it('rejects a missing value', () => {
    expectRejected(
      'lastUsed le',
      "Invalid filter: expected a date-time value after 'le' at position 12",
    );
    expectRejected(
      '(lastUsed le)',
      "Invalid filter: expected a date-time value after 'le' at position 13",
    );
  });

  it('rejects a value that is not a real RFC 3339 date-time with a timezone', () => {
    expectRejected(
      'lastUsed le 2023-13-45T00:00:00Z',
      "Invalid filter: value '2023-13-45T00:00:00Z' for field 'lastUsed' at position 13 is not a real date-time",
    );
    expectRejected(
      'lastUsed le 2023-02-29T00:00:00Z',
      "Invalid filter: value '2023-02-29T00:00:00Z' for field 'lastUsed' at position 13 is not a real date-time",
    );
    expectRejected(
      'lastUsed le 2023-02-05T24:00:00Z',
      "Invalid filter: value '2023-02-05T24:00:00Z' for field 'lastUsed' at position 13 is not a real date-time",
    );
    expectRejected(
      'lastUsed le 2023-02-05T10:00:00+02:60',
      "Invalid filter: value '2023-02-05T10:00:00+02:60' for field 'lastUsed' at position 13 is not a real date-time",
    );
    expectRejected(
      'lastUsed le yesterday',
      "Invalid filter: value 'yesterday' for field 'lastUsed' at position 13 is not an RFC 3339 date-time, e.g. 2023-02-05T10:59:27.214Z",
    );
    expectRejected(
      'lastUsed le 2023-02-05',
      "Invalid filter: value '2023-02-05' for field 'lastUsed' at position 13 is not an RFC 3339 date-time, e.g. 2023-02-05T10:59:27.214Z",
    );
    expectRejected(
      'lastUsed le "2023-02-05T10:59:27.214"',
      "Invalid filter: value '2023-02-05T10:59:27.214' for field 'lastUsed' at position 13 has no timezone; add Z or an offset such as +02:00",
    );
  });

  it('rejects unbalanced parentheses', () => {
    expectRejected(
      '(lastUsed isnull',
      "Invalid filter: expected ')' at position 17 to close '(' at position 1, found end of input",
    );
    expectRejected(
      '((lastUsed isnull) or lastUsed isnull',
      "Invalid filter: expected ')' at position 38 to close '(' at position 1, found end of input",
    );
    expectRejected('lastUsed isnull)', "Invalid filter: unexpected ')' at position 16");
    expectRejected(
      '(lastUsed isnull) or lastUsed isnull)',
      "Invalid filter: unexpected ')' at position 37",
    );
    expectRejected('()', "Invalid filter: expected a field name or '(' at position 2, found ')'");
  });

  it('rejects trailing garbage and dangling connectives', () => {
    expectRejected(
      'lastUsed isnull lastUsed',
      "Invalid filter: unexpected 'lastUsed' at position 17",
    );
    expectRejected(
      'lastUsed le 2023-02-05T10:59:27.214Z ,',
      "Invalid filter: unexpected ',' at position 38",
    );
    expectRejected(
      'lastUsed isnull and',
      "Invalid filter: expected a field name or '(' at position 20, found end of input",
    );
    expectRejected(
      'not',
      "Invalid filter: expected a field name or '(' at position 4, found end of input",
    );
    expectRejected(
      'and lastUsed isnull',
      "Invalid filter: expected a field name at position 1, found 'and'",
    );
  });

  it('rejects empty and whitespace-only input', () => {
    expectRejected('', 'Invalid filter: the expression is empty');
    expectRejected(' \t  ', 'Invalid filter: the expression is empty');
  });

  it('rejects unterminated strings, bad escapes and control characters', () => {
    expectRejected(
      'lastUsed le "2023-02-05T10:59:27.214Z',
      'Invalid filter: unterminated string at position 13',
    );
    expectRejected(
      'name eq "abc\\',
      'Invalid filter: unterminated string at position 9',
      TEST_FIELDS,
    );
    expectRejected(
      'name eq "a\\nb"',
      "Invalid filter: invalid escape '\\n' at position 11",
      TEST_FIELDS,
    );
    expectRejected(
      'lastUsed isnull\nor lastUsed isnull',
      'Invalid filter: unexpected control character at position 16',
    );
  });

  it('rejects input longer than the maximum', () => {
    const long = 'lastUsed isnull'.padEnd(MAX_FILTER_LENGTH + 1, ' ');
    expectRejected(
      long,
      'Invalid filter: the expression is 2001 characters long; the maximum is 2000',
    );
  });

  it('rejects nesting deeper than the maximum without overflowing the stack', () => {
    const depth = MAX_FILTER_DEPTH + 1;
    expectRejected(
      `${'('.repeat(depth)}lastUsed isnull${')'.repeat(depth)}`,
      'Invalid filter: nesting is deeper than 32 levels at position 33',
    );
    expectRejected(
      `${'not '.repeat(depth)}lastUsed isnull`,
      'Invalid filter: nesting is deeper than 32 levels at position 129',
    );
    expectRejected(
      '('.repeat(1999),
      'Invalid filter: nesting is deeper than 32 levels at position 33',
    );
  });

  it('rejects bad list syntax and bad values for other types', () => {
    expectRejected(
      'status in "a"',
      "Invalid filter: expected '(' after 'in' at position 11, found string 'a'",
      TEST_FIELDS,
    );
    expectRejected(
      'status in ("a" "b")',
      "Invalid filter: expected ',' or ')' at position 16 in the 'in' list, found string 'b'",
      TEST_FIELDS,
    );
    expectRejected(
      'status in ("a"',
      "Invalid filter: expected ',' or ')' at position 15 in the 'in' list, found end of input",
      TEST_FIELDS,
    );
    expectRejected(
      'status in ()',
      "Invalid filter: expected a string value after '(' at position 12",
      TEST_FIELDS,
    );
    expectRejected(
      'status in ("a",)',
      "Invalid filter: expected a string value after ',' at position 16",
      TEST_FIELDS,
    );
    expectRejected(
      'enabled eq yes',
      "Invalid filter: value 'yes' for field 'enabled' at position 12 is not a boolean (true or false)",
      TEST_FIELDS,
    );
    expectRejected(
      'count gt 1e3',
      "Invalid filter: value '1e3' for field 'count' at position 10 is not a number",
      TEST_FIELDS,
    );
  });

  it('shortens long values it quotes in messages', () => {
    const value = 'x'.repeat(100);
    expectRejected(
      `lastUsed le ${value}`,
      `Invalid filter: value '${'x'.repeat(40)}…' for field 'lastUsed' at position 13 is not an RFC 3339 date-time, e.g. 2023-02-05T10:59:27.214Z`,
    );
  });
});
