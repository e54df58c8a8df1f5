import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The contract loads in a browser (the console) as well as in Node: the build may import only
 * TypeBox and its own modules, and may use no Node-only global. `npm test` builds first.
 */
const DIST = new URL('../dist/', import.meta.url);
const ALLOWED_PACKAGES = /^@sinclair\/typebox(\/[a-z-]+)?$/;
const NODE_ONLY_GLOBALS = /\b(Buffer|process|require|__dirname|__filename|global)\b\s*[.(]/;

function built(): string[] {
  if (!existsSync(new URL('index.js', DIST))) {
    throw new Error('packages/contract/dist is not built: run `npm run build` first');
  }
  return readdirSync(DIST).filter((file) => file.endsWith('.js'));
}

/** The module specifiers of static imports and exports, and of dynamic imports. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  const forms = [
    /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*(['"])([^'"]+)\1/gm, // import … from, export … from
    /^\s*import\s*(['"])([^'"]+)\1/gm, // import 'x' (for its side effects)
    /\bimport\s*\(\s*(['"])([^'"]+)\1/g, // import('x')
  ];
  for (const match of forms.flatMap((form) => [...code.matchAll(form)])) {
    found.push(match[2]!);
  }
  return found;
}

/** What a module's code says, without its comments and string literals' contents. */
function codeOnly(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

describe('the built @patina/contract', () => {
  const files = built();

  it('has a module for every source module', () => {
    const sources = readdirSync(new URL('../src/', import.meta.url))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.replace(/\.ts$/, '.js'));
    expect(files.sort()).toEqual(sources.sort());
  });

  it.each(files)('%s imports only TypeBox and its own modules, which exist', (file) => {
    const code = readFileSync(new URL(file, DIST), 'utf8');
    for (const specifier of specifiers(code)) {
      if (specifier.startsWith('./')) {
        expect(existsSync(new URL(specifier, DIST)), `${file} → ${specifier}`).toBe(true);
      } else {
        expect(specifier, file).toMatch(ALLOWED_PACKAGES);
      }
    }
  });

  it.each(files)('%s uses no Node-only global', (file) => {
    const code = codeOnly(readFileSync(new URL(file, DIST), 'utf8'));
    expect(NODE_ONLY_GLOBALS.exec(code)?.[0]).toBeUndefined();
  });

  it('would notice a node: import, a Node package and a Node global', () => {
    expect(specifiers("import { randomBytes } from 'node:crypto';")).toEqual(['node:crypto']);
    expect(specifiers("export * from './rights.js';\nconst m = await import('fs');")).toEqual([
      './rights.js',
      'fs',
    ]);
    expect(specifiers("import {\n  a,\n  b,\n} from 'node:path';\nimport 'node:fs';")).toEqual([
      'node:path',
      'node:fs',
    ]);
    expect(specifiers("const d = { description: 'made from' };")).toEqual([]);
    expect(specifiers("export const RIGHTS = { read: 'sp:read' };")).toEqual([]);
    expect('node:crypto').not.toMatch(ALLOWED_PACKAGES);
    expect('@sinclair/typebox/value').toMatch(ALLOWED_PACKAGES);
    expect(NODE_ONLY_GLOBALS.test(codeOnly('const b = Buffer.from(x);'))).toBe(true);
    expect(NODE_ONLY_GLOBALS.test(codeOnly('// Buffer.from is not used here'))).toBe(false);
  });

  it('loads, and exports what the source exports', async () => {
    const dist = (await import(new URL('index.js', DIST).href)) as Record<string, unknown>;
    const source = await import('../src/index.js');
    expect(Object.keys(dist).sort()).toEqual(Object.keys(source).sort());
  });
});
