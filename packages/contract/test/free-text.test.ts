import { describe, expect, it } from 'vitest';
import { escapeInvisible, freeTextMessage, freeTextProblem, keptText } from '../src/free-text.js';
import { secretChecksum } from '../src/secrets.js';

const HEAD = `patina_${'Ab3'.repeat(17)}`;
const SECRET = HEAD + secretChecksum(HEAD);

describe('freeTextProblem', () => {
  it.each([
    ['ESC[2J', 'a\u001b[2J'],
    ['OSC 52', 'a\u001b]52;c;aGk=\u0007'],
    ['NUL', 'a\u0000'],
    ['CR/LF', 'a\r\nb'],
    ['a tab', 'a\tb'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u009b2J'],
    ['U+200B', 'a\u200Bb'],
    ['U+202E', 'a\u202Eb'],
    ['the BOM inside a word', 'a\uFEFFb'],
    ['U+2028', 'a\u2028b'],
    ['U+2029', 'a\u2029b'],
    ['a soft hyphen', 'a\u00ADb'],
    ['a ZWJ at the end', 'a\u200D'],
    ['a ZWJ after a space', 'a \u200Db'],
    ['a tag character outside a flag', 'a\u{E0067}'],
  ])('refuses %s as invisible', (_what, text) => {
    expect(freeTextProblem(text)).toBe('invisible');
  });

  it('refuses lone surrogates, either half', () => {
    expect(freeTextProblem('a\uD800')).toBe('lone-surrogate');
    expect(freeTextProblem('\uDC00a')).toBe('lone-surrogate');
    expect(freeTextProblem('a\uDC00\uD800')).toBe('lone-surrogate');
  });

  it('refuses a Patina secret, alone or in a sentence, but not a look-alike', () => {
    expect(freeTextProblem(SECRET)).toBe('secret');
    expect(freeTextProblem(`token: ${SECRET}.`)).toBe('secret');
    const wrongChecksum = SECRET.slice(0, -1) + (SECRET.endsWith('0') ? '1' : '0');
    expect(freeTextProblem(wrongChecksum)).toBeUndefined();
    expect(freeTextProblem(`x${SECRET}`)).toBeUndefined();
  });

  it.each([
    ['accents, composed or not', 'José Garci\u0301a'],
    ['an emoji ZWJ sequence', '👩‍💻'],
    ['a skin tone inside a ZWJ sequence', '👩🏽‍💻'],
    ['a flag with a variation selector and ZWJ', '🏳️‍🌈'],
    ['a subdivision flag (tag characters)', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['a keycap', '1️⃣'],
    ['a ZWNJ inside a Persian word', 'می‌خواهم'],
    ['punctuation and spaces', 'CI (prod) — O’Brien, v2.1; 50% #ops'],
    ['the empty string', ''],
  ])('takes %s', (_what, text) => {
    expect(freeTextProblem(text)).toBeUndefined();
  });

  it('judges the text as kept: whitespace around it is trimmed, not refused', () => {
    expect(freeTextProblem('  deploy\t\r\n')).toBeUndefined();
    expect(keptText('  Jose\u0301 \n')).toBe('José');
    expect(freeTextProblem('\tde\tploy ')).toBe('invisible');
  });

  it('names the field and never the value', () => {
    expect(freeTextMessage('description', 'secret')).toBe(
      "'description' must not contain a Patina secret: it would be stored and shown in clear",
    );
  });
});

describe('escapeInvisible', () => {
  it('writes every control and invisible character as a visible escape', () => {
    expect(escapeInvisible('a\u001b[2Jb\u001b]52;c;aGk=\u0007\u0000\r\n\u009b\u007f')).toBe(
      'a\\x1b[2Jb\\x1b]52;c;aGk=\\x07\\x00\\x0d\\x0a\\x9b\\x7f',
    );
    expect(escapeInvisible('a\u202Eb\u200Bc\u2028\u{E0067}')).toBe(
      'a\\u202eb\\u200bc\\u2028\\u{e0067}',
    );
    expect(escapeInvisible('a\uD800b')).toBe('a\\ud800b');
  });

  it('leaves text the rule takes as it is', () => {
    for (const text of ['José', '👩🏽‍💻 🏳️‍🌈 🏴󠁧󠁢󠁳󠁣󠁴󠁿', 'می‌خواهم', 'a\\x1b']) {
      expect(escapeInvisible(text)).toBe(text);
    }
  });
});
