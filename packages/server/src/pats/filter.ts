/**
 * Parser for SailPoint's V3 `filters` query parameter (Identity Security Cloud "Standard Collection
 * Parameters", https://developer.sailpoint.com/docs/standard-collection-parameters#filtering-results).
 * Keywords and operators are case-insensitive; field names are case-sensitive.
 *
 *   expression := orExpr
 *   orExpr     := andExpr ('or' andExpr)*
 *   andExpr    := unary ('and' unary)*
 *   unary      := 'not' unary | primary
 *   primary    := '(' expression ')' | comparison
 *   comparison := FIELD OP VALUE | FIELD 'in' '(' VALUE (',' VALUE)* ')' | FIELD 'isnull' | FIELD 'pr'
 *   VALUE      := '"' (char | '\"' | '\\')* '"' | bare token ending at whitespace, '(', ')', ',' or '"'
 *
 * Each resource passes a field table saying which fields and operators it supports. Every error is
 * a BAD_REQUEST on the `filters` field; positions in messages are 1-based character columns.
 */
import { PAT_STATUSES } from '@patina/contract';
import { parseDateTime } from '../core/date-time.js';
import { badRequest } from '../core/errors.js';

export const COMPARE_OPERATORS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'co', 'sw'] as const;
export type CompareOperator = (typeof COMPARE_OPERATORS)[number];
export const FILTER_OPERATORS = [...COMPARE_OPERATORS, 'in', 'isnull', 'pr'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];
export const FILTER_VALUE_TYPES = ['string', 'boolean', 'number', 'date-time'] as const;
export type FilterValueType = (typeof FILTER_VALUE_TYPES)[number];

export interface FilterField {
  readonly type: FilterValueType;
  readonly operators: readonly FilterOperator[];
  /** For a string field with a fixed set of values (an enum): the values it takes. */
  readonly values?: readonly string[];
}
export type FilterFieldTable = Readonly<Record<string, FilterField>>;

export type FilterExpr =
  | { kind: 'compare'; field: string; op: CompareOperator; value: string }
  | { kind: 'in'; field: string; values: string[] }
  | { kind: 'isnull'; field: string }
  | { kind: 'present'; field: string }
  | { kind: 'and'; items: FilterExpr[] }
  | { kind: 'or'; items: FilterExpr[] }
  | { kind: 'not'; item: FilterExpr };

/** The fields `GET /v3/personal-access-tokens` may filter on (SailPoint's list: only these). */
export const PAT_FILTER_FIELDS = {
  lastUsed: { type: 'date-time', operators: ['le', 'isnull'] },
} as const satisfies FilterFieldTable;

/** The fields the Patina PAT list (`GET /patina/v1/personal-access-tokens`) may filter on. */
export const PATINA_PAT_FILTER_FIELDS = {
  name: { type: 'string', operators: ['eq', 'co', 'sw'] },
  lastUsed: { type: 'date-time', operators: ['le', 'ge', 'isnull'] },
  expirationDate: { type: 'date-time', operators: ['le', 'ge', 'isnull'] },
  created: { type: 'date-time', operators: ['le', 'ge'] },
  managed: { type: 'boolean', operators: ['eq'] },
  status: { type: 'string', operators: ['eq'], values: PAT_STATUSES },
} as const satisfies FilterFieldTable;

export const MAX_FILTER_LENGTH = 2000;
export const MAX_FILTER_DEPTH = 32;

interface Text {
  type: 'word' | 'string';
  text: string;
  pos: number;
}
type Token = { type: '(' | ')' | ','; pos: number } | Text;

const fail = (message: string) => badRequest(`Invalid filter: ${message}`, 'filters');
const isOperator = (s: string): s is FilterOperator =>
  (FILTER_OPERATORS as readonly string[]).includes(s);
const isCompare = (s: string): s is CompareOperator =>
  (COMPARE_OPERATORS as readonly string[]).includes(s);
/** Quotes user text for a message, cut short so that an error never echoes a huge input. */
const show = (s: string) => `'${s.length > 40 ? `${s.slice(0, 40)}…` : s}'`;
const describe = (t: Token | undefined) => {
  if (t === undefined) return 'end of input';
  return 'text' in t ? `${t.type === 'string' ? 'string ' : ''}${show(t.text)}` : `'${t.type}'`;
};

/** A bare word (field, keyword or value) ends at whitespace, punctuation or a control character. */
const isWordChar = (c: string) => c > ' ' && c !== '\x7f' && !'(),"'.includes(c);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input.charAt(i);
    const pos = i + 1;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c, pos });
      i++;
    } else if (c === '"') {
      let text = '';
      for (i++; ; i++) {
        if (i >= input.length) throw fail(`unterminated string at position ${pos}`);
        const d = input.charAt(i);
        if (d === '"') break;
        if (d === '\\') {
          const e = input.charAt(++i);
          if (i >= input.length) throw fail(`unterminated string at position ${pos}`);
          if (e !== '"' && e !== '\\') throw fail(`invalid escape '\\${e}' at position ${i}`);
          text += e;
        } else text += d;
      }
      tokens.push({ type: 'string', text, pos });
      i++;
    } else if (!isWordChar(c)) {
      throw fail(`unexpected control character at position ${pos}`);
    } else {
      const start = i;
      while (i < input.length && isWordChar(input.charAt(i))) i++;
      tokens.push({ type: 'word', text: input.slice(start, i), pos });
    }
  }
  return tokens;
}

const DATE_TIME_ERRORS = {
  format: 'is not an RFC 3339 date-time, e.g. 2023-02-05T10:59:27.214Z',
  timezone: 'has no timezone; add Z or an offset such as +02:00',
  calendar: 'is not a real date-time',
} as const;

/** Parses a `filters` expression against a resource's field table; throws BAD_REQUEST on any error. */
export function parseFilter(input: string, fields: FilterFieldTable): FilterExpr {
  if (input.length > MAX_FILTER_LENGTH) {
    throw fail(
      `the expression is ${input.length} characters long; the maximum is ${MAX_FILTER_LENGTH}`,
    );
  }
  const tokens = tokenize(input);
  if (tokens.length === 0) throw fail('the expression is empty');
  let at = 0;
  let depth = 0;
  const endPos = input.length + 1;
  const peek = () => tokens[at];
  const posOf = (t: Token | undefined) => t?.pos ?? endPos;
  const expected = (what: string, t: Token | undefined, why = '') =>
    fail(`expected ${what} at position ${posOf(t)}${why}, found ${describe(t)}`);
  const isKeyword = (t: Token | undefined, kw: string) =>
    t?.type === 'word' && t.text.toLowerCase() === kw;
  const enter = (t: Token) => {
    if (++depth > MAX_FILTER_DEPTH) {
      throw fail(`nesting is deeper than ${MAX_FILTER_DEPTH} levels at position ${t.pos}`);
    }
  };

  function parseList(kind: 'and' | 'or', next: () => FilterExpr): FilterExpr {
    const items = [next()];
    while (isKeyword(peek(), kind)) {
      at++;
      items.push(next());
    }
    return items.length === 1 ? (items[0] as FilterExpr) : { kind, items };
  }
  const parseOr = (): FilterExpr => parseList('or', () => parseList('and', parseUnary));

  function parseUnary(): FilterExpr {
    const t = peek();
    if (t === undefined || !isKeyword(t, 'not')) return parsePrimary();
    at++;
    enter(t);
    const item = parseUnary();
    depth--;
    return { kind: 'not', item };
  }

  function parsePrimary(): FilterExpr {
    const t = peek();
    if (t?.type === '(') {
      at++;
      enter(t);
      const expr = parseOr();
      const close = peek();
      if (close?.type !== ')') throw expected("')'", close, ` to close '(' at position ${t.pos}`);
      at++;
      depth--;
      return expr;
    }
    if (t?.type !== 'word') throw expected("a field name or '('", t);
    return parseComparison(t);
  }

  function parseComparison(f: Text): FilterExpr {
    at++;
    const field = f.text;
    const spec = Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (spec === undefined) {
      const lower = field.toLowerCase();
      if (lower === 'and' || lower === 'or' || isOperator(lower)) {
        throw expected('a field name', f);
      }
      throw fail(
        `unknown field ${show(field)}; supported fields: ${Object.keys(fields).join(', ')}`,
      );
    }
    const supported = spec.operators.join(', ');
    const o = peek();
    if (o?.type !== 'word') throw expected(`an operator after ${show(field)}`, o);
    const op = o.text.toLowerCase();
    if (!isOperator(op)) {
      throw fail(
        `unknown operator ${show(o.text)} at position ${o.pos}; supported for '${field}': ${supported}`,
      );
    }
    if (!spec.operators.includes(op)) {
      throw fail(`operator '${op}' is not supported for field '${field}'; supported: ${supported}`);
    }
    at++;
    if (op === 'isnull') return { kind: 'isnull', field };
    if (op === 'pr') return { kind: 'present', field };
    if (isCompare(op)) return { kind: 'compare', field, op, value: parseValue(field, spec, op) };
    const open = peek();
    if (open?.type !== '(') throw expected("'(' after 'in'", open);
    at++;
    const values = [parseValue(field, spec, '(')];
    for (let sep = peek(); sep?.type !== ')'; sep = peek()) {
      if (sep?.type !== ',') throw expected("',' or ')'", sep, " in the 'in' list");
      at++;
      values.push(parseValue(field, spec, ','));
    }
    at++;
    return { kind: 'in', field, values };
  }

  function parseValue(field: string, spec: FilterField, after: string): string {
    const { type } = spec;
    const v = peek();
    if (v?.type !== 'word' && v?.type !== 'string') {
      throw fail(`expected a ${type} value after '${after}' at position ${posOf(v)}`);
    }
    at++;
    const bad = (why: string) =>
      fail(`value ${show(v.text)} for field '${field}' at position ${v.pos} ${why}`);
    if (type === 'date-time') {
      const d = parseDateTime(v.text);
      if (!d.ok) throw bad(DATE_TIME_ERRORS[d.reason]);
      return d.iso;
    }
    if (type === 'boolean') {
      const b = v.text.toLowerCase();
      if (b !== 'true' && b !== 'false') throw bad('is not a boolean (true or false)');
      return b;
    }
    if (type === 'number' && !/^-?\d+(\.\d+)?$/.test(v.text)) throw bad('is not a number');
    if (spec.values && !spec.values.includes(v.text)) {
      throw bad(`is not one of ${spec.values.join(', ')}`);
    }
    return v.text;
  }

  const expr = parseOr();
  const rest = peek();
  if (rest !== undefined) throw fail(`unexpected ${describe(rest)} at position ${rest.pos}`);
  return expr;
}
