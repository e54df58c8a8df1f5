import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/repositories.js';

const MINUTE_MS = 60_000;
/** How often the counts of open rows are written (and closed minutes let go). */
const FLUSH_EVERY_MS = 5_000;
/** Open rows held at most; past that a failure is written as a row of its own, as before. */
const MAX_OPEN = 10_000;

interface Open {
  eventId: string;
  minute: number;
  count: number;
  /** The count the stored row says. */
  stored: number;
}

/**
 * Repeated identical failures share one audit row per minute (docs/decisions.md, "The audit
 * trail is bounded by the throttle, and repeats share a row"): the first failure of a client id from an address in a minute is
 * written at once, as itself; the same failure again in that minute only counts, and the row's
 * `details.count` is brought up to date every few seconds, when the minute is over, and on
 * shutdown. A flood of failures therefore writes a row per client id, address and minute instead
 * of one each, and costs no write at all after the first. What a `kill -9` can lose: the counts of
 * the last few seconds, never the first row of a minute.
 */
export class RepeatedFailures {
  readonly #open = new Map<string, Open>();
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { storage: Storage; clock: Clock }) {
    this.#timer = setInterval(() => void this.flush().catch(() => undefined), FLUSH_EVERY_MS);
    this.#timer.unref();
  }

  /**
   * Counts a failure with `key` (what makes two failures identical). Calls `write` to store it as
   * a row of its own when no row of this minute stands for it; `write` answers the row's id.
   */
  async note(key: string, write: () => Promise<string>): Promise<void> {
    const minute = Math.floor(this.deps.clock.now().getTime() / MINUTE_MS);
    const open = this.#open.get(key);
    if (open && open.minute === minute) {
      open.count += 1;
      return;
    }
    if (!open && this.#open.size >= MAX_OPEN) {
      await write();
      return;
    }
    const eventId = await write();
    if (open) await this.#store(open);
    this.#open.set(key, { eventId, minute, count: 1, stored: 1 });
  }

  /** Writes every count not yet stored, and lets go of the minutes that are over. */
  flush(): Promise<void> {
    // A failed pass (the database away) must not stop the ones after it: its counts stay open.
    this.#flushing = this.#flushing
      .catch(() => undefined)
      .then(async () => {
        const minute = Math.floor(this.deps.clock.now().getTime() / MINUTE_MS);
        for (const [key, open] of this.#open) {
          await this.#store(open);
          if (open.minute < minute) this.#open.delete(key);
        }
      });
    return this.#flushing;
  }

  /** Stops the timer and stores what is counted. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  async #store(open: Open): Promise<void> {
    if (open.count === open.stored) return;
    const count = open.count;
    await this.deps.storage.repos.audit.setCount(open.eventId, count);
    open.stored = count;
  }
}
