import { DAY_MS } from './time.js';

/** A UTC calendar day, `YYYY-MM-DD`: the bucket of per-day counts (usage history, overview). */
export type UtcDay = string;

/** The UTC day `instant` falls in. */
export function utcDay(instant: Date): UtcDay {
  return instant.toISOString().slice(0, 10);
}

/** The UTC day `days` days after `day` (before it when negative). */
export function addUtcDays(day: UtcDay, days: number): UtcDay {
  return utcDay(new Date(Date.parse(`${day}T00:00:00.000Z`) + days * DAY_MS));
}

/** Every UTC day from `fromDay` to `toDay`, both included, oldest first; empty when reversed. */
export function utcDaysBetween(fromDay: UtcDay, toDay: UtcDay): UtcDay[] {
  const days: UtcDay[] = [];
  for (let day = fromDay; day <= toDay; day = addUtcDays(day, 1)) days.push(day);
  return days;
}
