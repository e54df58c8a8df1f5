import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Comments cite RFC sections, SailPoint's documented rules or a page in docs/. A cited page
 * exists, and a citation naming sections (`docs/rules.md, "Expiry"`, `docs/decisions.md,
 * "Secrets"`) names sections that page has, so renaming or removing one without its citations
 * fails here; a specification that is not in the repository, or an issue number, is never cited.
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

/**
 * What a citation may name in a Markdown page: its `## ` and `### ` headings, and the bold lead
 * of a list entry (`- **Secrets** are …`, `- **The console calls the API through its session.**`),
 * as docs/decisions.md is a list of such entries under a few headings.
 */
function sections(markdown: string): string[] {
  const headings = [...markdown.matchAll(/^#{2,3} (.+)$/gm)].map((match) => match[1]!.trim());
  const leads = [...markdown.matchAll(/^- \*\*(.+?)\.?\*\*/gm)].map((match) => match[1]!.trim());
  return [...headings, ...leads];
}

/** The docs pages a text cites (`docs/rules.md`), each once. */
function citedPages(text: string): string[] {
  return [...new Set([...text.matchAll(/docs\/[\w-]+\.md/g)].map((match) => match[0]))];
}

/** The section names a text cites as `docs/rules.md, "A", "B"` (a comment may wrap mid-name). */
function citedSections(text: string, page = 'docs/rules.md'): string[] {
  const flat = text.replace(/\n\s*(\*|\/\/)\s*/g, ' ');
  const citation = new RegExp(`${page.replace(/[.]/g, '\\.')},((?:\\s*"[^"]+",?)+)`, 'g');
  return [...flat.matchAll(citation)].flatMap((match) =>
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

  it('cites only docs pages that exist, and sections those pages have', () => {
    const wrong = code.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return citedPages(text).flatMap((page) => {
        const where = `${relative(ROOT, file)}: ${page}`;
        if (!existsSync(join(ROOT, page))) return [`${where} does not exist`];
        const headings = sections(readFileSync(join(ROOT, page), 'utf8'));
        return citedSections(text, page)
          .filter((name) => !headings.includes(name))
          .map((name) => `${where}, "${name}"`);
      });
    });
    expect(wrong).toEqual([]);
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
    const other = '// see docs/decisions.md, "Secrets" and docs/gone.md';
    expect(citedPages(other)).toEqual(['docs/decisions.md', 'docs/gone.md']);
    expect(citedSections(other, 'docs/decisions.md')).toEqual(['Secrets']);
    expect(citedSections(other)).toEqual([]);
  });
});
