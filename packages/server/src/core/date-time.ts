/**
 * RFC 3339 date-times as the API accepts them. `new Date()` alone is too lenient: it rolls
 * 2026-02-30 over to March 2 and 24:00 to the next day, and reads a date without an offset as
 * local time. A date-time is accepted only when its fields name a real instant with an offset.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/i;

export type DateTimeParse =
  | { ok: true; /** normalised: UTC, milliseconds */ iso: string }
  | { ok: false; reason: 'format' | 'timezone' | 'calendar' };

export function parseDateTime(text: string): DateTimeParse {
  const m = RFC3339.exec(text);
  if (!m) return { ok: false, reason: 'format' };
  if (m[8] === undefined) return { ok: false, reason: 'timezone' };
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = [1, 2, 3, 4, 5, 6].map(
    (i) => Number(m[i]),
  );
  const [zoneHours = 0, zoneMinutes = 0] = [9, 10].map((i) => Number(m[i] ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const real =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    zoneHours <= 23 &&
    zoneMinutes <= 59;
  if (!real) return { ok: false, reason: 'calendar' };
  return { ok: true, iso: new Date(text.toUpperCase()).toISOString() };
}

export function isDateTime(text: string): boolean {
  return parseDateTime(text).ok;
}
