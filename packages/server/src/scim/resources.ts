import { SCIM_SCHEMAS } from '@patina/contract';
import { invalidValue } from './errors.js';
import type { ScimJson } from './filter.js';
import { MAX_RESULTS } from './schemas.js';

/** The query of a list or a get (RFC 7644 §3.4.2, §3.9). */
export interface ScimQuery {
  filter?: string | undefined;
  startIndex?: string | undefined;
  count?: string | undefined;
  attributes?: string | undefined;
  excludedAttributes?: string | undefined;
}

/** RFC 7644 §3.4.2.4: 1-based startIndex (below 1 is 1), count (negative is 0), capped. */
export function paging(query: ScimQuery): { startIndex: number; count: number } {
  const int = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined || raw === '') return fallback;
    if (!/^-?\d{1,9}$/.test(raw)) throw invalidValue(`'${name}' must be an integer`);
    return Number(raw);
  };
  const startIndex = Math.max(1, int('startIndex', query.startIndex, 1));
  const count = Math.min(MAX_RESULTS, Math.max(0, int('count', query.count, MAX_RESULTS)));
  return { startIndex, count };
}

const ALWAYS = new Set(['id', 'schemas', 'meta']);

function names(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => name.replace(/^urn:ietf:params:scim:schemas:core:2\.0:(?:User|Group):/i, ''));
}

/**
 * RFC 7644 §3.4.2.5 / §3.9: `attributes` keeps only the named attributes (and `id`, `schemas`,
 * `meta`, which are always returned); `excludedAttributes` drops the named ones. Names are
 * case-insensitive and may be sub-attributes (`name.givenName`) or extension-qualified
 * (`urn:…:enterprise:2.0:User:department`).
 */
export function project(resource: ScimJson, query: ScimQuery): ScimJson {
  const include = names(query.attributes);
  const exclude = names(query.excludedAttributes);
  if (!include && !exclude) return resource;
  const split = (name: string): [string, string | undefined] => {
    const ext = /^(urn:[^]*):([^:.]+)(?:\.(.+))?$/i.exec(name);
    if (ext) return [ext[1]!.toLowerCase(), ext[3] ? `${ext[2]}.${ext[3]}` : ext[2]];
    const [head, sub] = name.split(/\.(.+)/);
    return [head!.toLowerCase(), sub];
  };
  const out: ScimJson = {};
  for (const [key, value] of Object.entries(resource)) {
    const lower = key.toLowerCase();
    if (ALWAYS.has(lower)) {
      out[key] = value;
      continue;
    }
    const subs = (list: string[]) =>
      list
        .map(split)
        .filter(([head]) => head === lower)
        .map(([, sub]) => sub);
    if (include) {
      const wanted = subs(include);
      if (wanted.length === 0) continue;
      out[key] = wanted.includes(undefined)
        ? value
        : pick(
            value,
            wanted.filter((s): s is string => s !== undefined),
            true,
          );
    } else if (exclude) {
      const dropped = subs(exclude);
      if (dropped.includes(undefined)) continue;
      out[key] = dropped.length === 0 ? value : pick(value, dropped as string[], false);
    }
  }
  return out;
}

function pick(value: unknown, subs: string[], keep: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => pick(item, subs, keep));
  if (typeof value !== 'object' || value === null) return value;
  const wanted = new Set(subs.map((s) => s.toLowerCase()));
  return Object.fromEntries(
    Object.entries(value).filter(([k]) => wanted.has(k.toLowerCase()) === keep),
  );
}

/** RFC 7644 §3.4.2: one page of matches. */
export function listResponse(all: ScimJson[], query: ScimQuery) {
  const { startIndex, count } = paging(query);
  const page = all.slice(startIndex - 1, startIndex - 1 + count);
  return {
    schemas: [SCIM_SCHEMAS.listResponse],
    totalResults: all.length,
    startIndex,
    itemsPerPage: page.length,
    Resources: page.map((resource) => project(resource, query)),
  };
}

/** meta.version: a weak ETag of the last modification (RFC 7644 §3.14). */
export function versionOf(modified: string): string {
  return `W/"${modified}"`;
}

/** If-Match (RFC 7232 §3.1): absent or `*` passes; otherwise one of its tags must be current. */
export function matchesIfMatch(header: string | undefined, version: string): boolean {
  if (header === undefined || header.trim() === '*') return true;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  const current = strip(version);
  return header.split(',').some((tag) => strip(tag) === current);
}
