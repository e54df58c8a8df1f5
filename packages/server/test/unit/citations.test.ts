import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Comments cite RFC sections, SailPoint's documented rules or a file in docs/. A citation of
 * docs/rules.md names one of its sections (`docs/rules.md, "Expiry"`), so renaming a section
 * without its citations fails here; a specification that is not in the repository, or an issue
 * number, is never cited.
 */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SOURCES = ['packages', 'tools'];
const CODE = /\.(ts|mjs|cjs|js)$/;

function files(dir: string, pattern: RegExp): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'results') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...files(path, pattern));
    else if (pattern.test(entry)) found.push(path);
  }
  return found;
}

/** The `## ` and `### ` headings of a Markdown page. */
function sections(markdown: string): string[] {
  return [...markdown.matchAll(/^#{2,3} (.+)$/gm)].map((match) => match[1]!.trim());
}

/** The section names a text cites as `docs/rules.md, "A", "B"` (a comment may wrap mid-name). */
function citedSections(text: string): string[] {
  const flat = text.replace(/\n\s*(\*|\/\/)\s*/g, ' ');
  return [...flat.matchAll(/docs\/rules\.md,((?:\s*"[^"]+",?)+)/g)].flatMap((match) =>
    [...match[1]!.matchAll(/"([^"]+)"/g)].map((name) => name[1]!),
  );
}

const SELF = fileURLToPath(import.meta.url);
const code = SOURCES.flatMap((dir) => files(join(ROOT, dir), CODE)).filter((file) => file !== SELF);
const docs = [join(ROOT, 'README.md'), ...files(join(ROOT, 'docs'), /\.md$/)];

describe('citations', () => {
  const rules = sections(readFileSync(join(ROOT, 'docs/rules.md'), 'utf8'));

  it('reads the sources and the rules', () => {
    expect(code.length).toBeGreaterThan(50);
    expect(rules).toContain('Expiry');
  });

  it('names only sections docs/rules.md has', () => {
    const unknown = code.flatMap((file) =>
      citedSections(readFileSync(file, 'utf8'))
        .filter((name) => !rules.includes(name))
        .map((name) => `${relative(ROOT, file)}: "${name}"`),
    );
    expect(unknown).toEqual([]);
  });

  it('never cites a specification outside the repository', () => {
    const cited = code.filter((file) => /\bSPEC\b/.test(readFileSync(file, 'utf8')));
    expect(cited.map((file) => relative(ROOT, file))).toEqual([]);
  });

  it('keeps issue numbers out of the docs', () => {
    const cited = docs.filter((file) => /\bissues? #?\d+/i.test(readFileSync(file, 'utf8')));
    expect(cited.map((file) => relative(ROOT, file))).toEqual([]);
  });

  it('would notice a wrapped citation of a missing section', () => {
    const comment =
      '/**\n * Applies the expiry rules (docs/rules.md, "Expiry", "Changing a\n * PAT").\n */';
    expect(citedSections(comment)).toEqual(['Expiry', 'Changing a PAT']);
    expect(citedSections('// (docs/rules.md, "Expiri")').filter((n) => !rules.includes(n))).toEqual(
      ['Expiri'],
    );
  });
});
