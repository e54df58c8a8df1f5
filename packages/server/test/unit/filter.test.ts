import { describe, expect, it } from 'vitest';
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH } from '../../src/pats/filter.js';
import { parsePat, parseTest, le, isnull, eq } from './filter-fixtures.js';

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
