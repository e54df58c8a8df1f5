import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waiting for something another node, process or database does: the one polling loop of the
 * tests. For correctness deadlines ("within one second"), not for speed; time the tests own is
 * moved with a ManualClock instead.
 */

export interface Poll<T> {
  /** Whether a probe sent before the deadline held. */
  met: boolean;
  /** When the answer of the probe that held came (or when the deadline passed), since the start. */
  elapsedMs: number;
  /** The last probe's value. */
  last: T;
}

/**
 * Calls `probe` every `everyMs` until `holds(value)` or `deadlineMs` pass. A probe sent after the
 * deadline is never sent: `met` is false then.
 */
export async function poll<T>(
  probe: () => Promise<T>,
  holds: (value: T) => boolean,
  { deadlineMs, everyMs = 20 }: { deadlineMs: number; everyMs?: number },
): Promise<Poll<T>> {
  const start = performance.now();
  let last = await probe();
  for (;;) {
    if (holds(last)) return { met: true, elapsedMs: performance.now() - start, last };
    await sleep(everyMs);
    const sentAt = performance.now() - start;
    if (sentAt > deadlineMs) return { met: false, elapsedMs: sentAt, last };
    last = await probe();
  }
}

/** `poll` of a yes-or-no probe, for tests that assert on `met` and `elapsedMs` themselves. */
export function pollUntil(
  probe: () => Promise<boolean>,
  deadlineMs: number,
  everyMs = 50,
): Promise<Poll<boolean>> {
  return poll(probe, (held) => held, { deadlineMs, everyMs });
}

/**
 * `poll` that fails with `what` when `check` still does not hold after `deadlineMs`, and gives the
 * value that held.
 */
export async function eventually<T>(
  what: string,
  deadlineMs: number,
  probe: () => Promise<T>,
  check: (value: T) => boolean,
): Promise<T> {
  const { met, last } = await poll(probe, check, { deadlineMs });
  if (!met) throw new Error(`${what}: not so after ${deadlineMs} ms (last: ${summary(last)})`);
  return last;
}

/** What a probe gave, for a failure message: a response's status only (its body may hold a token). */
function summary(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'statusCode' in value) {
    return `status ${String(value.statusCode)}`;
  }
  return typeof value === 'boolean' || typeof value === 'number' ? String(value) : typeof value;
}
