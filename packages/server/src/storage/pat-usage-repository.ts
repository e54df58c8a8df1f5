import type { UsageDay } from '@patina/contract';
import { utcDaysBetween, type UtcDay } from '../core/utc-day.js';
import type { Db } from './database.js';

/** Exchanges of one PAT on one UTC day, to be added to what is stored. */
export interface UsageIncrement {
  patId: string;
  day: UtcDay;
  succeeded: number;
  failed: number;
}

/** Both days included. */
export interface UsageDayRange {
  fromDay: UtcDay;
  toDay: UtcDay;
}

/** Rows per INSERT, ids per SELECT: far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const ROWS_PER_STATEMENT = 500;

/**
 * Exchanges per PAT and UTC day (table pat_usage_days). Each node's counter adds its counts
 * every few seconds; the add happens in SQL (`succeeded = succeeded + excluded.succeeded`), so
 * nodes adding to the same row at once lose nothing: the row lock (PostgreSQL) or the single
 * writer (SQLite) serialises the increments.
 */
export class PatUsageRepository {
  constructor(private readonly db: Db) {}

  /**
   * Adds each row's counts to the stored ones (a missing row starts at them). Up to 500 rows are
   * one statement, all added or none; more are several. Rows go in (day, PAT) order, so two nodes
   * adding overlapping batches lock the rows in the same order and cannot deadlock.
   */
  async add(rows: readonly UsageIncrement[]): Promise<void> {
    const merged = new Map<string, UsageIncrement>();
    for (const row of rows) {
      const key = `${row.day} ${row.patId}`;
      const seen = merged.get(key);
      merged.set(
        key,
        seen
          ? { ...seen, succeeded: seen.succeeded + row.succeeded, failed: seen.failed + row.failed }
          : row,
      );
    }
    const ordered = [...merged.keys()].sort().map((key) => merged.get(key)!);
    for (let start = 0; start < ordered.length; start += ROWS_PER_STATEMENT) {
      const chunk = ordered.slice(start, start + ROWS_PER_STATEMENT);
      await this.db
        .insertInto('pat_usage_days')
        .values(
          chunk.map((row) => ({
            pat_id: row.patId,
            day: row.day,
            succeeded: row.succeeded,
            failed: row.failed,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['pat_id', 'day']).doUpdateSet((eb) => ({
            succeeded: eb('pat_usage_days.succeeded', '+', eb.ref('excluded.succeeded')),
            failed: eb('pat_usage_days.failed', '+', eb.ref('excluded.failed')),
          })),
        )
        .execute();
    }
  }

  /** Every day of `range`, oldest first, days without exchanges as zeros. */
  async forPat(patId: string, range: UsageDayRange): Promise<UsageDay[]> {
    return (await this.forPats([patId], range)).get(patId) ?? zeroFilled(new Map(), range);
  }

  /** forPat for several PATs at once (a query per 500 ids); every id asked for has an entry. */
  async forPats(patIds: readonly string[], range: UsageDayRange): Promise<Map<string, UsageDay[]>> {
    const stored = new Map<string, Map<UtcDay, UsageDay>>(
      patIds.map((id) => [id, new Map<UtcDay, UsageDay>()]),
    );
    const ids = [...stored.keys()];
    for (let start = 0; start < ids.length; start += ROWS_PER_STATEMENT) {
      const rows = await this.db
        .selectFrom('pat_usage_days')
        .select(['pat_id', 'day', 'succeeded', 'failed'])
        .where('pat_id', 'in', ids.slice(start, start + ROWS_PER_STATEMENT))
        .where('day', '>=', range.fromDay)
        .where('day', '<=', range.toDay)
        .execute();
      for (const row of rows) {
        stored.get(row.pat_id)?.set(row.day, {
          day: row.day,
          succeeded: Number(row.succeeded),
          failed: Number(row.failed),
        });
      }
    }
    return new Map([...stored].map(([id, days]) => [id, zeroFilled(days, range)]));
  }

  /** Forgets every day before `beforeDay`; how many rows went. */
  async prune(beforeDay: UtcDay): Promise<number> {
    const result = await this.db
      .deleteFrom('pat_usage_days')
      .where('day', '<', beforeDay)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function zeroFilled(stored: ReadonlyMap<UtcDay, UsageDay>, range: UsageDayRange): UsageDay[] {
  return utcDaysBetween(range.fromDay, range.toDay).map(
    (day) => stored.get(day) ?? { day, succeeded: 0, failed: 0 },
  );
}
