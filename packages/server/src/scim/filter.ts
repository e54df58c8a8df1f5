import { parse, type Filter } from 'scim2-parse-filter';
import { invalidFilter } from './errors.js';

/** A resource as JSON (the SCIM representation the service answers). */
export type ScimJson = Record<string, unknown>;

/**
 * Attributes a filter may name (RFC 7644 §3.4.2.2), lower-cased, with whether their values
 * compare case-exactly (RFC 7643 §2.2: `id` and `externalId` do; userName, emails and names do
 * not). A filter on any other attribute is a 400 invalidFilter rather than silently matching
 * nothing: the directory is told at once that Patina cannot answer it.
 */
const FILTERABLE: Record<'User' | 'Group', ReadonlyMap<string, { caseExact: boolean }>> = {
  User: new Map([
    ['id', { caseExact: true }],
    ['externalid', { caseExact: true }],
    ['username', { caseExact: false }],
    ['displayname', { caseExact: false }],
    ['name.formatted', { caseExact: false }],
    ['emails', { caseExact: false }],
    ['emails.value', { caseExact: false }],
    ['emails.type', { caseExact: false }],
    ['emails.primary', { caseExact: false }],
    ['active', { caseExact: false }],
    ['meta.created', { caseExact: false }],
    ['meta.lastmodified', { caseExact: false }],
  ]),
  Group: new Map([
    ['id', { caseExact: true }],
    ['externalid', { caseExact: true }],
    ['displayname', { caseExact: false }],
    ['members', { caseExact: true }],
    ['members.value', { caseExact: true }],
    ['meta.created', { caseExact: false }],
    ['meta.lastmodified', { caseExact: false }],
  ]),
};

const CORE_PREFIX = /^urn:ietf:params:scim:schemas:core:2\.0:(?:User|Group):/i;
/** The most filter text one request may send; a filter is a few clauses. */
const MAX_FILTER_LENGTH = 2048;

export type ResourceMatcher = (resource: ScimJson) => boolean;

/** The `filter` query parameter as a predicate over resources of `type`. */
export function compileFilter(text: string, type: 'User' | 'Group'): ResourceMatcher {
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalidFilter(`The filter is longer than ${MAX_FILTER_LENGTH} characters`);
  }
  let ast: Filter;
  try {
    ast = parse(text);
  } catch {
    throw invalidFilter('The filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2)');
  }
  check(ast, type, '');
  return (resource) => evaluate(ast, resource, type, '');
}

function normalisedPath(attrPath: string, prefix: string): string {
  const bare = attrPath.replace(CORE_PREFIX, '').toLowerCase();
  return prefix ? `${prefix}.${bare}` : bare;
}

function check(ast: Filter, type: 'User' | 'Group', prefix: string): void {
  switch (ast.op) {
    case 'and':
    case 'or':
      for (const f of ast.filters) check(f, type, prefix);
      return;
    case 'not':
      check(ast.filter, type, prefix);
      return;
    case '[]':
      check(ast.valFilter, type, normalisedPath(ast.attrPath, prefix));
      return;
    default: {
      const path = normalisedPath(ast.attrPath, prefix);
      if (!FILTERABLE[type].has(path)) {
        throw invalidFilter(
          `Filtering ${type}s on '${ast.attrPath.slice(0, 128)}' is not supported; supported: ${[
            ...FILTERABLE[type].keys(),
          ].join(', ')}`,
        );
      }
    }
  }
}

/** The values at a dotted path, flattening multi-valued attributes; names case-insensitive. */
function valuesAt(value: unknown, parts: readonly string[]): unknown[] {
  if (parts.length === 0) return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) return value.flatMap((item) => valuesAt(item, parts));
  if (typeof value !== 'object' || value === null) return [];
  const [head, ...rest] = parts;
  const key = Object.keys(value).find((k) => k.toLowerCase() === head);
  return key === undefined ? [] : valuesAt((value as ScimJson)[key], rest);
}

function evaluate(ast: Filter, resource: unknown, type: 'User' | 'Group', prefix: string): boolean {
  switch (ast.op) {
    case 'and':
      return ast.filters.every((f) => evaluate(f, resource, type, prefix));
    case 'or':
      return ast.filters.some((f) => evaluate(f, resource, type, prefix));
    case 'not':
      return !evaluate(ast.filter, resource, type, prefix);
    case '[]': {
      const parts = ast.attrPath.replace(CORE_PREFIX, '').toLowerCase().split('.');
      const items = valuesAt(resource, parts);
      const path = normalisedPath(ast.attrPath, prefix);
      return items.some((item) => evaluate(ast.valFilter, item, type, path));
    }
    case 'pr': {
      const parts = ast.attrPath.replace(CORE_PREFIX, '').toLowerCase().split('.');
      return valuesAt(resource, parts).some(
        (v) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0),
      );
    }
    default: {
      const parts = ast.attrPath.replace(CORE_PREFIX, '').toLowerCase().split('.');
      const path = normalisedPath(ast.attrPath, prefix);
      const caseExact = FILTERABLE[type].get(path)?.caseExact ?? false;
      const values = valuesAt(resource, parts).map((v) =>
        typeof v === 'object' && v !== null && 'value' in v ? (v as ScimJson).value : v,
      );
      const matches = values.some((v) => compare(ast.op, v, ast.compValue, caseExact));
      // RFC 7644 §3.4.2.2: `ne` is true when no value equals (an absent attribute included).
      return ast.op === 'ne'
        ? values.every((v) => compare('ne', v, ast.compValue, caseExact))
        : matches;
    }
  }
}

function compare(
  op: 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le',
  actual: unknown,
  expected: boolean | null | number | string,
  caseExact: boolean,
): boolean {
  if (typeof actual === 'boolean' || typeof expected === 'boolean' || expected === null) {
    if (op === 'eq') return actual === expected;
    if (op === 'ne') return actual !== expected;
    return false;
  }
  if (typeof actual !== 'string' && typeof actual !== 'number') return op === 'ne';
  const fold = (v: string | number) => (typeof v === 'string' && !caseExact ? v.toLowerCase() : v);
  const a = fold(actual);
  const b = fold(expected);
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'co':
      return String(a).includes(String(b));
    case 'sw':
      return String(a).startsWith(String(b));
    case 'ew':
      return String(a).endsWith(String(b));
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}
