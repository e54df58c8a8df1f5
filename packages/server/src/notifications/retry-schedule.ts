/**
 * When a failed delivery is tried again: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and
 * 24 h after each failed attempt (seconds at first, for a receiver that blinked; then ever longer,
 * for one that is down for a day), each with ±10% jitter so that endpoints that failed together
 * do not all retry together. After the tenth attempt fails the delivery is given up (about three
 * days and four hours after the first).
 */
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

export const RETRY_DELAYS_MS: readonly number[] = [
  5 * SECOND_MS,
  5 * MINUTE_MS,
  30 * MINUTE_MS,
  2 * HOUR_MS,
  5 * HOUR_MS,
  10 * HOUR_MS,
  14 * HOUR_MS,
  20 * HOUR_MS,
  24 * HOUR_MS,
];

/** The first attempt and one per retry. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

export const JITTER = 0.1;

/** An endpoint failing without a break this long is disabled (and its owner told). */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * HOUR_MS;

/** The longest wait a receiver's `Retry-After` can ask for. */
const MAX_RETRY_AFTER_MS = 24 * HOUR_MS;

/**
 * The wait before the next attempt after `attempts` failed ones, or null when none is left.
 * `random` in [0, 1) spreads the wait over ±JITTER.
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/**
 * RFC 9110 §10.2.3 `Retry-After`: delay-seconds or an HTTP-date, as milliseconds from `now`;
 * null when absent or unreadable. Capped at a day, so a receiver cannot park a delivery forever.
 */
export function retryAfterMs(header: string | null, now: Date): number | null {
  if (header === null) return null;
  const text = header.trim();
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * SECOND_MS;
  } else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return null;
    ms = at - now.getTime();
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
