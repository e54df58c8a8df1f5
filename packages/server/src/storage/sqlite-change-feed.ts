import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import type { Logger } from 'pino';
import { ChangeFeed, decodeChange, type ChangeEvent } from './change-feed.js';

/** How often each process looks for other processes' commits (docs/decisions.md, "Workers"). */
export const CHANGE_POLL_MS = 100;
/**
 * A process whose event loop was too busy to look for this long no longer trusts its caches
 * until it has looked again: the bound of 1 s between a change and its refusal everywhere holds
 * even then.
 */
const STALE_AFTER_MS = 500;
/** Rows read per query; more are read by the next query of the same look. */
const BATCH = 1000;

interface Row {
  seq: number;
  origin: string;
  payload: string;
}

/**
 * The change feed between processes on one SQLite file: the workers of a node, and one-shot
 * commands such as `patina-server keys rotate`. Every write that caches must hear of adds a row
 * to `change_feed` in the same transaction (Storage does); each process keeps a read-only
 * connection of its own and, every CHANGE_POLL_MS, asks it `PRAGMA data_version`, which moves
 * only when another connection committed. Then it reads the rows after the last one it saw and
 * publishes those other processes made (its own were published at its commit).
 *
 * Rows are numbered by AUTOINCREMENT, so a gap means rows were pruned before this process read
 * them (it slept longer than the rows are kept): then it publishes `reset` and every cache starts
 * empty. While the process has not looked for STALE_AFTER_MS, `connected` is false and caches
 * are bypassed.
 */
export class SqliteChangeFeed extends ChangeFeed {
  readonly #reader: SQLite.Database;
  readonly #version: SQLite.Statement;
  readonly #rows: SQLite.Statement<[number, number], Row>;
  #dataVersion: number;
  #lastSeq: number;
  #lastLookMs = performance.now();
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(
    file: string,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    super(true);
    this.#reader = new SQLite(file, { readonly: true, fileMustExist: true });
    this.#reader.pragma('busy_timeout = 5000');
    this.#version = this.#reader.prepare('pragma data_version').pluck();
    this.#rows = this.#reader.prepare<[number, number], Row>(
      'select seq, origin, payload from change_feed where seq > ? order by seq limit ?',
    );
    this.#dataVersion = this.#version.get() as number;
    this.#lastSeq = this.#maxSeq();
    this.#timer = setInterval(() => this.look(), CHANGE_POLL_MS);
    this.#timer.unref();
  }

  override get connected(): boolean {
    return performance.now() - this.#lastLookMs < STALE_AFTER_MS;
  }

  /** Reads and publishes what other processes committed since the last look. */
  look(): void {
    if (this.#closed) return;
    try {
      const version = this.#version.get() as number;
      if (version !== this.#dataVersion) {
        this.#dataVersion = version;
        this.#readRows();
      }
      this.#lastLookMs = performance.now();
    } catch (error) {
      // A locked or vanished file: the caches stop trusting themselves (connected goes false)
      // until a look succeeds, and then start empty.
      this.logger?.warn(
        { err: { message: (error as Error).message } },
        'change feed: cannot read other processes’ changes; caches are bypassed until it can',
      );
      this.#lastSeq = -1;
    }
  }

  #readRows(): void {
    if (this.#lastSeq < 0) {
      // After a failed look nothing is known of what was missed.
      this.#lastSeq = this.#maxSeq();
      this.publish([{ kind: 'reset' }]);
      return;
    }
    for (;;) {
      const rows = this.#rows.all(this.#lastSeq, BATCH);
      if (rows.length === 0) return;
      const events: ChangeEvent[] = [];
      // Numbers start at 1 and the newest row is never pruned: a gap is rows this process missed.
      if (rows[0]!.seq !== this.#lastSeq + 1) events.push({ kind: 'reset' });
      for (const row of rows) {
        this.#lastSeq = row.seq;
        if (row.origin === this.origin) continue;
        const change = decodeChange(row.payload);
        if (change) events.push(change);
      }
      this.publish(events);
      if (rows.length < BATCH) return;
    }
  }

  #maxSeq(): number {
    const row = this.#reader.prepare('select max(seq) as seq from change_feed').get() as {
      seq: number | null;
    };
    return row.seq ?? 0;
  }

  override async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#reader.close();
    await super.close();
  }
}
