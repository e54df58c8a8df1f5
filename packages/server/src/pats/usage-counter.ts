import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { DAY_MS, SECOND_MS } from '../core/time.js';
import { utcDay } from '../core/utc-day.js';
import type { UsageIncrement } from '../storage/pat-usage-repository.js';

/** How often the counts are added to the database. */
const FLUSH_EVERY_MS = 5 * SECOND_MS;
/**
 * Distinct (PAT, day) counts held between flushes. A count is about 150 bytes, so this bounds the
 * counter at some 15 MB; it is reached only when the database refuses several flushes in a row
 * while that many PATs are exchanged. Past it, exchanges of PATs not yet counted are not counted
 * (and said so in the log at the next flush); PATs already counted still are.
 */
const MAX_COUNTS = 100_000;
/** Rows per add(): each add is one statement, so a failed one added nothing and is kept whole. */
const ROWS_PER_ADD = 500;

interface Counts {
  succeeded: number;
  failed: number;
}

/**
 * Exchanges per PAT and UTC day (the usage history, docs/decisions.md): counted in memory on the
 * token endpoint's path (a Map increment; no write, no await) and added to `pat_usage_days` every
 * few seconds by one upsert that adds, so every node's counts sum up. What a `kill -9` loses: the
 * counts of the last few seconds. A flush the database refuses keeps its counts for the next one.
 */
export class UsageCounter {
  /** Counts by day number (days since the epoch, UTC), then by PAT id. */
  #days = new Map<number, Map<string, Counts>>();
  #size = 0;
  #dropped = 0;
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      usage: { add(rows: readonly UsageIncrement[]): Promise<void> };
      clock: Clock;
      logger?: Pick<Logger, 'warn'> | undefined;
    },
  ) {
    this.#timer = setInterval(
      () =>
        void this.flush().catch((error: unknown) => {
          this.deps.logger?.warn({ err: error }, 'usage history: counts kept for the next flush');
        }),
      FLUSH_EVERY_MS,
    );
    this.#timer.unref();
  }

  /** An exchange of `patId` succeeded (a token was minted). */
  succeeded(patId: string): void {
    const counts = this.#counts(patId);
    if (counts) counts.succeeded += 1;
  }

  /** An exchange with `patId` as the client id was refused. */
  failed(patId: string): void {
    const counts = this.#counts(patId);
    if (counts) counts.failed += 1;
  }

  /**
   * Adds every count to the database. Passes run one after another; the counts a pass could not
   * add stay for the next one, and the rejection is this call's (the timer's is logged).
   */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.catch(() => undefined).then(() => this.#flushOnce());
    return this.#flushing;
  }

  /** Stops the timer and adds what is counted. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  #counts(patId: string): Counts | undefined {
    const day = Math.floor(this.deps.clock.now().getTime() / DAY_MS);
    let pats = this.#days.get(day);
    if (!pats) {
      pats = new Map();
      this.#days.set(day, pats);
    }
    let counts = pats.get(patId);
    if (!counts) {
      if (this.#size >= MAX_COUNTS) {
        this.#dropped += 1;
        return undefined;
      }
      counts = { succeeded: 0, failed: 0 };
      pats.set(patId, counts);
      this.#size += 1;
    }
    return counts;
  }

  async #flushOnce(): Promise<void> {
    if (this.#dropped > 0) {
      this.deps.logger?.warn(
        { dropped: this.#dropped, heldCounts: MAX_COUNTS },
        'usage history: exchanges not counted, too many PATs waiting for the database',
      );
      this.#dropped = 0;
    }
    if (this.#size === 0) return;
    // Take what is counted; exchanges from here on count into fresh maps.
    const taken = this.#days;
    this.#days = new Map();
    this.#size = 0;
    const rows: UsageIncrement[] = [];
    for (const [day, pats] of taken) {
      const dayText = utcDay(new Date(day * DAY_MS));
      for (const [patId, counts] of pats) rows.push({ patId, day: dayText, ...counts });
    }
    for (let start = 0; start < rows.length; start += ROWS_PER_ADD) {
      const chunk = rows.slice(start, start + ROWS_PER_ADD);
      try {
        await this.deps.usage.add(chunk);
      } catch (error) {
        // Not added: put this chunk and the ones after it back for the next pass.
        for (const row of rows.slice(start)) this.#putBack(row);
        throw error;
      }
    }
  }

  #putBack(row: UsageIncrement): void {
    const day = Math.floor(Date.parse(`${row.day}T00:00:00.000Z`) / DAY_MS);
    let pats = this.#days.get(day);
    if (!pats) {
      pats = new Map();
      this.#days.set(day, pats);
    }
    const counts = pats.get(row.patId);
    if (counts) {
      counts.succeeded += row.succeeded;
      counts.failed += row.failed;
      return;
    }
    // Counts already held are never dropped: the cap bounds new ones only.
    pats.set(row.patId, { succeeded: row.succeeded, failed: row.failed });
    this.#size += 1;
  }
}
