import { readdirSync, readFileSync } from 'node:fs';
import { type Token, type Tokens, lexer } from 'marked';
import { describe, expect, it } from 'vitest';

/**
 * The README and docs/ render on GitHub and npm: a table row cut off from its table by a blank
 * line renders as a paragraph of pipes, and a section spliced into another leaves a sentence
 * that stops mid-way before a heading. Each document is parsed as CommonMark with GitHub's tables
 * (marked, the parser npm's own site uses) and its rendered structure checked.
 */
const ROOT = new URL('../../../../', import.meta.url);
const DOCUMENTS = [
  'README.md',
  ...readdirSync(new URL('docs/', ROOT))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Every token of the document, nested ones included (list items, quotes). */
function allTokens(tokens: Token[]): Token[] {
  return tokens.flatMap((token) => {
    const children = 'tokens' in token && Array.isArray(token.tokens) ? token.tokens : [];
    const items = token.type === 'list' ? (token as Tokens.List).items : [];
    return [token, ...allTokens(children), ...allTokens(items)];
  });
}

describe.each(DOCUMENTS)('%s renders as written', (path) => {
  const text = readFileSync(new URL(path, ROOT), 'utf8');
  // Blank lines are tokens of their own; what follows what is read without them.
  const tokens = lexer(text).filter((token) => token.type !== 'space');
  const blocks = allTokens(tokens);

  it('has no table row outside a table', () => {
    const strays = blocks
      .filter((token) => token.type === 'paragraph' || token.type === 'text')
      .map((token) => token.raw)
      .filter((raw) => /^\s*\|.*\|\s*$/m.test(raw));
    expect(strays).toEqual([]);
  });

  it('gives every row of every table as many cells as its header', () => {
    const tables = blocks.filter((token): token is Tokens.Table => token.type === 'table');
    const ragged = tables.flatMap((table) =>
      table.rows
        .filter((row) => row.length !== table.header.length)
        .map((row) => row.map((cell) => cell.text).join(' | ')),
    );
    expect(ragged).toEqual([]);
  });

  it('has one title, and no heading more than one level below the one before it', () => {
    const headings = tokens.filter((token): token is Tokens.Heading => token.type === 'heading');
    expect(headings.filter((heading) => heading.depth === 1)).toHaveLength(1);
    expect(headings[0]?.depth).toBe(1);
    const jumps = headings
      .filter((heading, index) => index > 0 && heading.depth > headings[index - 1]!.depth + 1)
      .map((heading) => heading.text);
    expect(jumps).toEqual([]);
  });

  it('ends every paragraph before a heading with the end of a sentence', () => {
    const cut = tokens
      .filter((token, index) => token.type === 'paragraph' && tokens[index + 1]?.type === 'heading')
      .map((token) => token.raw.trim())
      .filter((raw) => !/[.:!?)`*]$/.test(raw));
    expect(cut).toEqual([]);
  });

  it('closes every code fence', () => {
    const fences = text.split('\n').filter((line) => /^\s*```/.test(line));
    expect(fences.length % 2).toBe(0);
  });
});
