import { readFileSync } from 'node:fs';
import { Kind, type TObject, type TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';

/**
 * The README's Configuration table is the configuration reference people read; the schema is the
 * one the code obeys. This walks the schema and holds the table to it: every setting has a row
 * (its own, or its group's, like `policy.lockout`), each row's default is the schema's, and the
 * table names no setting the schema does not have.
 */
const README = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

interface Row {
  paths: string[];
  /** The code spans of the default cell, in order. */
  defaults: string[];
  line: string;
}

/** The rows of the first table under `## Configuration`. */
function configurationTable(markdown: string): Row[] {
  const section = markdown.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  const [header, , ...body] = lines;
  expect(header, 'the Configuration section has a table').toBeDefined();
  const columns = cells(header!);
  expect(columns.slice(0, 3)).toEqual(['setting', 'env / flag', 'default']);
  return body.map((line) => {
    const [setting = '', , fallback = ''] = cells(line);
    return { paths: codeSpans(setting), defaults: codeSpans(fallback), line };
  });
}

function cells(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]*)`/g)].map((match) => match[1]!);
}

function isGroup(schema: TSchema): schema is TObject {
  return schema[Kind] === 'Object' && Object.keys((schema as TObject).properties).length > 0;
}

/** Every setting, by dotted path: the leaves of the schema's object tree. */
function settings(schema: TObject, prefix = ''): Map<string, TSchema> {
  const found = new Map<string, TSchema>();
  for (const [key, child] of Object.entries(schema.properties)) {
    const path = `${prefix}${key}`;
    found.set(path, child);
    if (isGroup(child)) for (const entry of settings(child, `${path}.`)) found.set(...entry);
  }
  return found;
}

/** A default as the table writes it: `null`, `7070`, `[]`, `{min:15, max:43200}`. */
function written(schema: TSchema): string {
  if (isGroup(schema)) {
    const entries = Object.entries(schema.properties).map(([k, v]) => `${k}:${written(v)}`);
    return `{${entries.join(', ')}}`;
  }
  const value: unknown = schema.default;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

const SETTINGS = settings(ConfigSchema);

/** Where the table and the schema disagree, one line each; empty when they agree. */
function problems(rows: Row[]): string[] {
  const found: string[] = [];
  const named = rows.flatMap((row) => row.paths);
  const seen = new Set<string>();
  for (const row of rows) {
    if (row.paths.length === 0) found.push(`a row names no setting: ${row.line}`);
    row.paths.forEach((path, i) => {
      if (seen.has(path)) found.push(`${path}: listed twice`);
      seen.add(path);
      const schema = SETTINGS.get(path);
      if (schema === undefined) return void found.push(`${path}: not a setting`);
      const shown = row.defaults[i];
      const expected = written(schema);
      if (shown !== expected) found.push(`${path}: default ${shown ?? 'missing'}, not ${expected}`);
    });
  }
  const covered = (path: string): boolean =>
    named.includes(path) || (path.includes('.') && covered(path.slice(0, path.lastIndexOf('.'))));
  for (const [path, schema] of SETTINGS) {
    if (!isGroup(schema) && !covered(path)) found.push(`${path}: no row`);
  }
  return found;
}

describe("the README's Configuration table", () => {
  it('has a row for every setting, or for its group, with the schema’s default', () => {
    const rows = configurationTable(README);
    expect(rows.length).toBeGreaterThan(20);
    expect(problems(rows)).toEqual([]);
  });

  it('names a wrong default, a missing row and a setting that does not exist', () => {
    const edited = README.replace('| `7070` ', '| `8080` ')
      .replace(/^\| `redis\.keyPrefix`.*\n/m, '')
      .replace('| `bodyLimitBytes` ', '| `bodyLimit` ')
      .replace('`patina`, `patina`, `local`', '`patina`, `patina`');
    // Only what the edits broke: the real table's own problems are the test above's business.
    const before = problems(configurationTable(README));
    expect(problems(configurationTable(edited)).filter((p) => !before.includes(p))).toEqual([
      'port: default 8080, not 7070',
      'bodyLimit: not a setting',
      'tenant.pod: default missing, not local',
      'redis.keyPrefix: no row',
      'bodyLimitBytes: no row',
    ]);
  });
});
