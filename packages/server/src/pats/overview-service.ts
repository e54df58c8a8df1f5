import { OVERVIEW_DAYS, OVERVIEW_WEEKS, type Overview } from '@patina/contract';
import { authorize, may } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/repositories.js';
import { DAY_MS } from '../core/time.js';

/**
 * The console's Overview: live PATs by last use and by expiry week, and the token endpoint's
 * successes and failures per day from the audit trail (docs/decisions.md, "The console's
 * overview"). Administrators with the all-read right; managed PATs are counted only for callers
 * who may see them, as in the list of every PAT.
 */
export class OverviewService {
  constructor(private readonly deps: { storage: Storage; clock: Clock }) {}

  async get(ctx: RequestContext): Promise<Overview> {
    authorize(ctx, 'readAll', 'Reading the overview');
    const now = this.deps.clock.now();
    const scope = { now: now.toISOString(), includeManaged: may(ctx.actor, 'seeManaged') };
    const ago = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
    const today = startOfUtcDay(now);
    const dayAt = (offset: number) => new Date(today + offset * DAY_MS);
    const repo = this.deps.storage.repos.overview;

    const lastUsed = await repo.lastUsedAges(scope, {
      days7: ago(7),
      days30: ago(30),
      days90: ago(90),
    });

    const weekBounds = Array.from({ length: OVERVIEW_WEEKS + 1 }, (_, w) => dayAt(7 * w));
    const perWeek = await repo.expiriesBetween(
      scope,
      weekBounds.map((d) => d.toISOString()),
    );

    const days = Array.from({ length: OVERVIEW_DAYS }, (_, i) => dayAt(i - OVERVIEW_DAYS + 1));
    const activity = await repo.exchangesPerDay({
      from: days[0]!.toISOString(),
      to: dayAt(1).toISOString(),
      succeeded: 'PERSONAL_ACCESS_TOKEN_USED',
      failed: 'PERSONAL_ACCESS_TOKEN_USE_FAILED',
    });
    const federated = await repo.exchangesPerDay({
      from: days[0]!.toISOString(),
      to: dayAt(1).toISOString(),
      succeeded: 'TRUST_POLICY_USED',
      failed: 'TRUST_POLICY_USE_FAILED',
    });
    const perDay = (rows: typeof activity) => {
      const byDay = new Map(rows.map((a) => [a.day, a]));
      return days.map((d) => {
        const day = isoDay(d);
        const found = byDay.get(day);
        return { day, succeeded: found?.succeeded ?? 0, failed: found?.failed ?? 0 };
      });
    };

    return {
      generatedAt: now.toISOString(),
      lastUsed,
      expiringPerWeek: perWeek.map((count, w) => ({
        weekStart: isoDay(weekBounds[w]!),
        count,
      })),
      exchangesPerDay: perDay(activity),
      federatedExchangesPerDay: perDay(federated),
    };
  }
}

function startOfUtcDay(instant: Date): number {
  return Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate());
}

function isoDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}
