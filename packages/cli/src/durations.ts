import { usageError } from './errors.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const SPAN = /^(\d+)([mhdw])$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `30m`, `12h`, `7d`, `2w` as milliseconds, or undefined when it is not such a span. */
export function spanMs(text: string): number | undefined {
  const match = SPAN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * An instant given as a span from now (`30d`), a day (`2027-01-31`, midnight UTC) or an RFC 3339
 * date-time, as the ISO string the API takes. `flag` names the option in the error.
 */
export function futureInstant(text: string, flag: string, nowMs: number): string {
  const span = spanMs(text);
  if (span !== undefined) return new Date(nowMs + span).toISOString();
  const date = DAY.test(text) ? Date.parse(`${text}T00:00:00.000Z`) : Date.parse(text);
  if (Number.isNaN(date) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw usageError(`${flag} must be a span like 30d or 12h, a date like 2027-01-31, or never`);
  }
  return new Date(date).toISOString();
}

/** An instant in the past given as a span back from now (`7d`) or a date. */
export function pastInstant(text: string, flag: string, nowMs: number): string {
  const span = spanMs(text);
  if (span !== undefined) return new Date(nowMs - span).toISOString();
  const date = DAY.test(text) ? Date.parse(`${text}T00:00:00.000Z`) : Date.parse(text);
  if (Number.isNaN(date) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw usageError(`${flag} must be a span like 7d or 12h, or a date like 2026-01-31`);
  }
  return new Date(date).toISOString();
}

/** `3 days ago`, `in 5 months`, `just now`: how far `iso` is from now, for people. */
export function relativeTime(iso: string, nowMs: number): string {
  const diffMs = Date.parse(iso) - nowMs;
  const abs = Math.abs(diffMs);
  if (abs < 45_000) return 'just now';
  const units: [string, number][] = [
    ['year', 365 * 86_400_000],
    ['month', 30 * 86_400_000],
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  const [unit, size] = units.find(([, ms]) => abs >= ms) ?? units[units.length - 1]!;
  const count = Math.max(1, Math.round(abs / size));
  const phrase = `${count} ${unit}${count === 1 ? '' : 's'}`;
  return diffMs < 0 ? `${phrase} ago` : `in ${phrase}`;
}
