import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Db } from './database.js';
import { jsonInteger } from './dialect.js';
import type { Database } from './tables.js';

/** Which PATs an aggregate counts: the live ones at `now`, managed ones only when asked. */
export interface LivePatScope {
  now: string;
  includeManaged: boolean;
}

/** Live PATs by the age of lastUsed; each bound is an instant, and a bucket is (bound, newer]. */
export interface LastUsedCounts {
  never: number;
  under7Days: number;
  under30Days: number;
  under90Days: number;
  older: number;
}

/** One UTC day of the token endpoint's audit events. */
export interface DayActivity {
  day: string;
  succeeded: number;
  failed: number;
}

type PatExpressions = ExpressionBuilder<Database, 'personal_access_tokens'>;

/**
 * The overview's aggregates, each one query that counts in the database (conditional sums over
 * the rows, never the rows themselves). Date-times are ISO 8601 text in UTC, so comparing them
 * as text compares them as instants, and their first ten characters are their UTC day, on
 * SQLite and PostgreSQL alike.
 */
export class OverviewRepository {
  constructor(private readonly db: Db) {}

  /**
   * Live PATs by lastUsed: never; after `since.days7` (less than 7 days old); after
   * `since.days30`; after `since.days90`; and the rest.
   */
  async lastUsedAges(
    scope: LivePatScope,
    since: { days7: string; days30: string; days90: string },
  ): Promise<LastUsedCounts> {
    const row = await this.db
      .selectFrom('personal_access_tokens')
      .select((eb) => [
        countWhere(eb('last_used', 'is', null)).as('never'),
        countWhere(eb('last_used', '>', since.days7)).as('under7Days'),
        countWhere(
          eb.and([eb('last_used', '<=', since.days7), eb('last_used', '>', since.days30)]),
        ).as('under30Days'),
        countWhere(
          eb.and([eb('last_used', '<=', since.days30), eb('last_used', '>', since.days90)]),
        ).as('under90Days'),
        countWhere(eb('last_used', '<=', since.days90)).as('older'),
      ])
      .where((eb) => live(eb, scope))
      .executeTakeFirstOrThrow();
    return {
      never: Number(row.never),
      under7Days: Number(row.under7Days),
      under30Days: Number(row.under30Days),
      under90Days: Number(row.under90Days),
      older: Number(row.older),
    };
  }

  /**
   * Live PATs expiring in each of the windows `[bounds[i], bounds[i + 1])`: one count per
   * window, `bounds.length - 1` of them.
   */
  async expiriesBetween(scope: LivePatScope, bounds: readonly string[]): Promise<number[]> {
    const windows = bounds.slice(1).map((end, i) => ({ start: bounds[i]!, end }));
    if (windows.length === 0) return [];
    const row: Record<string, unknown> = await this.db
      .selectFrom('personal_access_tokens')
      .select((eb) =>
        windows.map((w, i) =>
          countWhere(
            eb.and([eb('expiration_date', '>=', w.start), eb('expiration_date', '<', w.end)]),
          ).as(`w${i}`),
        ),
      )
      .where((eb) => live(eb, scope))
      .where('expiration_date', '>=', windows[0]!.start)
      .where('expiration_date', '<', windows.at(-1)!.end)
      .executeTakeFirstOrThrow();
    return windows.map((_, i) => Number(row[`w${i}`] ?? 0));
  }

  /**
   * Successful and failed exchanges (the two audit event types) per UTC day, for events at or
   * after `from` and before `to`. Days without either are absent. Identical failures of a minute
   * share one row whose `details.count` says how many there were (absent: one).
   */
  async exchangesPerDay(options: {
    from: string;
    to: string;
    succeeded: string;
    failed: string;
  }): Promise<DayActivity[]> {
    // A constant expression (no bound parameters), so the GROUP BY names the very same one.
    const day = sql<string>`substr(${sql.ref('time')}, 1, 10)`;
    const rows = await this.db
      .selectFrom('audit_events')
      .select((eb) => [
        day.as('day'),
        countWhere(eb('type', '=', options.succeeded)).as('succeeded'),
        sql<
          number | string
        >`coalesce(sum(case when ${eb('type', '=', options.failed)} then coalesce(${jsonInteger(this.db, 'details', 'count')}, 1) else 0 end), 0)`.as(
          'failed',
        ),
      ])
      .where('time', '>=', options.from)
      .where('time', '<', options.to)
      .where('type', 'in', [options.succeeded, options.failed])
      .groupBy(day)
      .orderBy(day)
      .execute();
    return rows.map((row) => ({
      day: row.day,
      succeeded: Number(row.succeeded),
      failed: Number(row.failed),
    }));
  }
}

/** Not deleted or revoked, and not yet expired at `now` (docs/rules.md, "Lifecycle"). */
function live(eb: PatExpressions, scope: LivePatScope) {
  return eb.and([
    eb('deleted_at', 'is', null),
    eb.or([eb('expiration_date', 'is', null), eb('expiration_date', '>', scope.now)]),
    ...(scope.includeManaged ? [] : [eb('managed', '=', 0)]),
  ]);
}

/**
 * How many rows of the group meet `condition`: `sum(case when … then 1 else 0 end)`, which both
 * databases read alike; coalesced, as a sum over no rows is null. PostgreSQL's sum is a bigint,
 * which node-postgres hands over as a string; callers take Number() of it.
 */
function countWhere(condition: Expression<SqlBool>) {
  return sql<number | string>`coalesce(sum(case when ${condition} then 1 else 0 end), 0)`;
}
