import type { Clock } from '../core/clock.js';

/**
 * A value read from the database at scrape time, read at most once per `ttlMs`: however many
 * scrapers ask, and however often, the database sees one query per period (concurrent scrapes
 * share the one under way). A failed read keeps the last value and waits out the period too, so
 * a database that is down is not asked again at every scrape.
 */
export class ScrapeCache<T> {
  #value: T | undefined;
  #readAtMs = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;

  constructor(
    private readonly options: {
      read: () => Promise<T>;
      ttlMs: number;
      clock: Clock;
      onError: (error: unknown) => void;
    },
  ) {}

  async get(): Promise<T | undefined> {
    const { clock, ttlMs } = this.options;
    if (clock.now().getTime() - this.#readAtMs < ttlMs) return this.#value;
    this.#reading ??= this.options
      .read()
      .then(
        (value) => {
          this.#value = value;
        },
        (error: unknown) => this.options.onError(error),
      )
      .finally(() => {
        this.#readAtMs = clock.now().getTime();
        this.#reading = undefined;
      });
    await this.#reading;
    return this.#value;
  }
}
