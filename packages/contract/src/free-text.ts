import { Type, type StringOptions } from '@sinclair/typebox';
import { isWellFormedSecret, SECRET_CANDIDATE_PATTERN } from './secrets.js';

/**
 * The one rule for free text people send (identity names and logins, PAT names and descriptions,
 * webhook descriptions, Shared Signals descriptions, event types and reasons): trimmed, Unicode
 * NFC (so the same name typed on two systems is the same string), no character that shows nothing
 * or changes how the text around it is shown, and no Patina secret (one pasted into the wrong
 * field would be stored and shown in clear). Checked on the way in by the schema keyword below on every route,
 * and by the server's services for what no schema types (a JSON Patch `value`).
 */

/**
 * The schema keyword of a free-text field: Patina's validator checks the rule and keeps the text
 * as keptText makes it. An OpenAPI 3.1 specification extension (`x-`), so other tools read it as an annotation.
 */
export const FREE_TEXT_KEYWORD = 'x-patina-text';

/** What is wrong with a text, if anything. */
export const FREE_TEXT_PROBLEMS = ['lone-surrogate', 'invisible', 'secret'] as const;
export type FreeTextProblem = (typeof FREE_TEXT_PROBLEMS)[number];

/** A surrogate half without its other half: not a character, and not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Characters a text shows nothing for or that change how the text around it is shown: control
 * characters (NUL, CR/LF, the ESC of terminal escapes, the C1 controls), format characters (the
 * RTL override, zero-width spaces, the BOM) and the line and paragraph separators.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/**
 * The format characters real names and emoji need, each only where it does that work:
 * - ZWJ joins emoji sequences (👩🏽‍💻) and, with ZWNJ, shapes Arabic and Indic scripts: only
 *   between two visible characters;
 * - tag characters spell the subdivision of a flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿): only after the black flag or another tag.
 */
const NEEDED_FORMAT =
  /(?<=[\p{L}\p{M}\p{N}\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])[\u200C\u200D](?=[\p{L}\p{M}\p{N}\p{Extended_Pictographic}])|(?<=[\u{1F3F4}\u{E0020}-\u{E007E}])[\u{E0020}-\u{E007F}]/gu;

/**
 * What Patina keeps of a free text: without the whitespace around it (spaces, tabs, line breaks:
 * names were always trimmed, as SailPoint trims them) and in NFC.
 */
export function keptText(text: string): string {
  return text.trim().normalize('NFC');
}

/**
 * The first thing wrong with what Patina would keep of `text` (keptText) under the free-text
 * rule, or undefined when it is fine.
 */
export function freeTextProblem(text: string): FreeTextProblem | undefined {
  const trimmed = text.trim();
  if (LONE_SURROGATE.test(trimmed)) return 'lone-surrogate';
  const nfc = trimmed.normalize('NFC');
  if (INVISIBLE.test(nfc.replace(NEEDED_FORMAT, ''))) return 'invisible';
  if (containsSecret(nfc)) return 'secret';
  return undefined;
}

/** True when `text` carries a well-formed Patina secret anywhere (checksum and all). */
export function containsSecret(text: string): boolean {
  for (const match of text.matchAll(SECRET_CANDIDATE_PATTERN)) {
    if (isWellFormedSecret(match[0])) return true;
  }
  return false;
}

/** The message of a refused free-text field: names the field, never echoes the value. */
export function freeTextMessage(field: string, problem: FreeTextProblem): string {
  switch (problem) {
    case 'lone-surrogate':
      return `'${field}' must be valid Unicode text: it has a lone surrogate`;
    case 'invisible':
      return `'${field}' must not contain control or invisible characters (such as line breaks, escapes, zero-width spaces or direction overrides)`;
    case 'secret':
      return `'${field}' must not contain a Patina secret: it would be stored and shown in clear`;
  }
}

/**
 * Text for a terminal or a log, whatever it holds: every character the rule refuses (and a lone
 * surrogate) is written as a visible escape, `\x1b` or `\u202e`, so text from a server or an old
 * database can neither move the cursor, clear the screen, set the clipboard (OSC 52), nor hide
 * or reorder what is around it. Text without such characters comes back unchanged.
 */
export function escapeInvisible(text: string): string {
  const kept = new Set<number>();
  for (const match of text.matchAll(NEEDED_FORMAT)) kept.add(match.index);
  let out = '';
  let index = 0;
  // By code point: a lone surrogate comes out as one half, which is escaped too.
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const lone = code >= 0xd800 && code <= 0xdfff;
    out += lone || (INVISIBLE.test(char) && !kept.has(index)) ? escapeCode(code) : char;
    index += char.length;
  }
  return out;
}

/** As JavaScript writes it: `\x1b`, `\u202e`, `\u{e0041}`. */
function escapeCode(code: number): string {
  const hex = code.toString(16);
  if (code <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`;
}

/**
 * A free-text request field: a string under the rule above. Only for what clients send; a
 * response's text may come from a database older than the rule.
 */
export const FreeText = (options: StringOptions = {}) =>
  Type.String({ ...options, [FREE_TEXT_KEYWORD]: true });
