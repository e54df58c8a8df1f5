import { escapeInvisible } from '@patina/contract';

/**
 * Where output goes: results (tables, JSON, the secret of a new PAT, an access token) to stdout,
 * so they can be piped; messages, prompts and errors to stderr.
 */
export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

export type Paint = (text: string) => string;

export interface Colours {
  red: Paint;
  yellow: Paint;
  green: Paint;
  dim: Paint;
  bold: Paint;
}

const sgr = (open: number, close: number) => (text: string) =>
  `\u001b[${open}m${text}\u001b[${close}m`;
const plain: Paint = (text) => text;

/** Colour only for a terminal, never with NO_COLOR (no-color.org) or TERM=dumb; FORCE_COLOR wins. */
export function colours(stream: { isTTY?: boolean }, env: Streams['env']): Colours {
  const on =
    env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0'
      ? true
      : Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return on
    ? {
        red: sgr(31, 39),
        yellow: sgr(33, 39),
        green: sgr(32, 39),
        dim: sgr(2, 22),
        bold: sgr(1, 22),
      }
    : { red: plain, yellow: plain, green: plain, dim: plain, bold: plain };
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;]*m/g;
const visibleLength = (text: string) => text.replace(ESCAPES, '').length;

export interface TableOptions {
  bold?: Paint;
  /** The terminal's width: wider tables have their `shrinkable` columns cut, with an ellipsis. */
  maxWidth?: number | undefined;
  /** Columns of plain text that may be cut, most expendable first. */
  shrinkable?: number[];
}

/** Narrowest a shrinkable column becomes. */
const MIN_COLUMN = 12;

/** Left-aligned columns under a header, two spaces apart; cells may carry colour. */
export function table(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const bold = options.bold ?? plain;
  const widths = headers.map((header, i) =>
    Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[i] ?? ''))),
  );
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  for (const column of options.shrinkable ?? []) {
    if (options.maxWidth === undefined) break;
    const excess = total() - options.maxWidth;
    if (excess <= 0) break;
    widths[column] = Math.max(MIN_COLUMN, widths[column]! - excess);
  }
  const fit = (cell: string, i: number) =>
    visibleLength(cell) > widths[i]! ? `${cell.slice(0, widths[i]! - 1)}…` : cell;
  const line = (cells: string[]) =>
    cells
      .map((raw, i) => {
        const cell = fit(raw, i);
        return i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell));
      })
      .join('  ')
      .trimEnd();
  return [bold(line(headers)), ...rows.map(line)].join('\n') + '\n';
}

/** `key  value` lines with the keys padded to one width. */
export function fields(entries: [string, string][], dim: Paint = plain): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${dim(key.padEnd(width))}  ${value}`).join('\n') + '\n';
}

/**
 * Text from a server (or from files being scanned) as a terminal may show it: every string in
 * `value`, however deep in objects and arrays, with its control and invisible characters written
 * as visible escapes (`\x1b`, `\u202e`; `@patina/contract`'s escapeInvisible). A name holding
 * `ESC[2J` or an OSC 52 clipboard write, stored by an older server, is shown, never obeyed. Every
 * human-readable line that shows server text takes that text through here; the CLI's own colours
 * are added afterwards.
 */
export function visible<T>(value: T): T {
  if (typeof value === 'string') return escapeInvisible(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => visible(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [visible(key), visible(item)]),
    ) as T;
  }
  return value;
}

/**
 * What JSON.stringify leaves as it is but a terminal may act on or hide text with: DEL, the C1
 * controls (0x9b is CSI to some terminals), format characters (direction overrides, zero-width
 * characters) and the line and paragraph separators. JSON.stringify escapes C0 itself.
 */
const JSON_UNSAFE = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Stable machine output: two-space JSON and a newline, with nothing a terminal would act on:
 * the characters above as `\uXXXX` escapes, which every JSON reader decodes to the same text.
 */
export function json(value: unknown): string {
  // By UTF-16 unit: a character past U+FFFF (a tag character) is written as its surrogate pair.
  const escape = (char: string) =>
    char
      .split('')
      .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join('');
  return JSON.stringify(value, null, 2).replace(JSON_UNSAFE, escape) + '\n';
}
