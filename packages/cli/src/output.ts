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

/** Stable machine output: two-space JSON and a newline. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
