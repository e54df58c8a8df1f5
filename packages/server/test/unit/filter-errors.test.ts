import { describe, it } from 'vitest';
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH } from '../../src/pats/filter.js';
import { TEST_FIELDS, expectRejected } from './filter-fixtures.js';

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
