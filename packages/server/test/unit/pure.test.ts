import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * test/unit/ runs once, outside the database projects (vitest.config.ts), so a test here that
 * opened storage, talked to Redis or booted the app would silently run on SQLite only, or not be
 * a unit test at all. This reads every file's imports and refuses the ones that do that.
 */
const UNIT_DIR = new URL('./', import.meta.url);

/** Modules that open a database, a connection, a socket or a process, or build the app. */
const IMPURE_MODULES = [
  /^\.\.\/(dialect|redis|poll)\.js$/,
  /^\.\.\/(postgres|storage|e2e|cluster)\//,
  /^\.\.\/\.\.\/src\/(app|services|runtime|main|bootstrap)\.js$/,
  /^\.\.\/\.\.\/src\/storage\/(database|redis|repositories)\.js$/,
  /^(pg|ioredis|better-sqlite3|kysely)$/,
  /^node:(net|http|https|child_process|dgram|worker_threads)$/,
];

/** Helpers that boot an app or open a port. */
const IMPURE_HELPERS = ['startTestApp', 'testConfig', 'freePort', 'openTestStorage'];

interface Import {
  names: string[];
  from: string;
}

function importsOf(source: string): Import[] {
  const imports: Import[] = [];
  for (const match of source.matchAll(/^import\s+(?:type\s+)?([^'"]*?)\s*from\s*'([^']+)'/gm)) {
    const clause = match[1]!;
    const braces = /\{([^}]*)\}/.exec(clause)?.[1] ?? '';
    const names = braces
      .split(',')
      .map((name) => name.replace(/^\s*type\s+/, '').trim())
      .filter((name) => name !== '');
    imports.push({ names, from: match[2]! });
  }
  return imports;
}

function impurities(source: string): string[] {
  const found: string[] = [];
  for (const { names, from } of importsOf(source)) {
    if (IMPURE_MODULES.some((pattern) => pattern.test(from))) found.push(from);
    if (from === '../helpers.js') {
      found.push(...names.filter((name) => IMPURE_HELPERS.includes(name)));
    }
  }
  return found;
}

describe('test/unit', () => {
  const files = readdirSync(UNIT_DIR).filter((file) => file.endsWith('.ts'));

  it('has test files to check', () => {
    expect(files).toContain('pure.test.ts');
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files)('%s uses no database, network, process or app', (file) => {
    expect(impurities(readFileSync(new URL(file, UNIT_DIR), 'utf8'))).toEqual([]);
  });

  it('would refuse a test that boots the app, opens storage or talks to Redis', () => {
    expect(
      impurities(
        [
          "import { Redis } from 'ioredis';",
          "import { openTestStorage } from '../dialect.js';",
          "import { HEX32, startTestApp, type TestApp } from '../helpers.js';",
          "import { spawn } from 'node:child_process';",
          "import { buildApp } from '../../src/app.js';",
          "import { parseConfig } from '../../src/config/load.js';",
        ].join('\n'),
      ),
    ).toEqual([
      'ioredis',
      '../dialect.js',
      'startTestApp',
      'node:child_process',
      '../../src/app.js',
    ]);
  });
});
