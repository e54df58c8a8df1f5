import { sql } from 'kysely';
import { setImmediate } from 'node:timers';
import type { Db } from './database.js';

/** Transactions that may share one commit; more wait for the next. */
const MAX_GROUP = 64;

interface Pending {
  work: (trx: Db) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for SQLite (docs/decisions.md, "Hot paths"). SQLite has one writer and Patina
 * commits with `synchronous = FULL`, so each transaction cost an fsync of its own (~0.5 ms here)
 * and writes queued behind each other's fsyncs. Transactions that arrive while one is running
 * now run together in one SQLite transaction, each inside a savepoint of its own, and share one
 * commit:
 *
 * - a transaction that throws is rolled back to its savepoint and fails alone;
 * - nobody is answered before the commit: every transaction of the group resolves after the one
 *   fsync, or all fail if the commit (or a rollback) fails, so an acknowledged write is as
 *   durable as before, and a failed one left nothing behind;
 * - a transaction of the group sees the writes of those before it, which commit with it or not
 *   at all. Queries outside transactions wait for the connection as before, so they never see
 *   uncommitted writes.
 *
 * PostgreSQL has a connection per transaction and its own commit machinery; it does not use this.
 */
export class GroupCommit {
  #queue: Pending[] = [];
  #running = false;
  /** Hears the size of each group as it commits (the batch-size metric). */
  onCommit: ((size: number) => void) | undefined;

  constructor(private readonly db: Db) {}

  run<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        // better-sqlite3 commits synchronously: while one fsync blocks the thread, requests
        // pile up unread in the sockets. One turn of the event loop lets them reach this queue,
        // so they join the next group instead of each waiting for an fsync of its own.
        await new Promise((resolve) => setImmediate(resolve));
        await this.#commit(this.#queue.splice(0, MAX_GROUP));
      }
    } finally {
      this.#running = false;
    }
  }

  async #commit(group: Pending[]): Promise<void> {
    this.onCommit?.(group.length);
    // A group of one is a plain transaction: no savepoint to pay for.
    if (group.length === 1) {
      const [only] = group as [Pending];
      await this.db
        .transaction()
        .execute((trx) => only.work(trx))
        .then(only.resolve, only.reject);
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const [i, pending] of group.entries()) {
          const savepoint = sql.id(`patina_group_${i}`);
          await sql`savepoint ${savepoint}`.execute(trx);
          try {
            const value = await pending.work(trx);
            await sql`release ${savepoint}`.execute(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            // Undo this one's writes only; a rollback that fails fails the group.
            await sql`rollback to ${savepoint}`.execute(trx);
            await sql`release ${savepoint}`.execute(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    group.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }
}
