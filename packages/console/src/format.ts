const DAY_MS = 86_400_000;
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * DAY_MS],
  ['month', 30 * DAY_MS],
  ['week', 7 * DAY_MS],
  ['day', DAY_MS],
  ['hour', 3_600_000],
  ['minute', 60_000],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const day = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

/** "in 5 days", "3 hours ago", "just now". */
export function relativeTime(iso: string, nowMs = Date.now()): string {
  const diff = Date.parse(iso) - nowMs;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return relative.format(Math.round(diff / ms), unit);
  }
  return 'just now';
}

export function dateTime(iso: string): string {
  return absolute.format(new Date(iso));
}

export function date(iso: string): string {
  return day.format(new Date(iso));
}

export function daysBetween(fromMs: number, toIso: string): number {
  return (Date.parse(toIso) - fromMs) / DAY_MS;
}

export const DAY = DAY_MS;

/**
 * A count with its words, singular for exactly one: plural(1, 'token') is "1 token",
 * plural(2, 'token expires', 'tokens expire') is "2 tokens expire". Every count the console shows
 * goes through here, so no page says "1 tokens".
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
