import type { PatUsageResponse } from '@patina/contract';
import type { Clock } from '../core/clock.js';
import { addUtcDays, utcDay } from '../core/utc-day.js';
import type { Storage } from '../storage/repositories.js';

/**
 * A PAT's usage history as its detail shows it: exchanges per UTC day, success and failure, for
 * the last `days` days (today included), oldest first, days without exchanges as zeros. The
 * counts are those the nodes' counters have added so far, a few seconds behind at most. Who may
 * read it is PatService.get's to say: callers ask it first.
 */
export class PatUsageHistory {
  constructor(private readonly deps: { storage: Storage; clock: Clock }) {}

  async forPat(patId: string, options: { days: number }): Promise<PatUsageResponse> {
    const toDay = utcDay(this.deps.clock.now());
    const days = await this.deps.storage.repos.patUsage.forPat(patId, {
      fromDay: addUtcDays(toDay, 1 - options.days),
      toDay,
    });
    return { patId, days };
  }
}
