import type { PatStatus } from '@patina/contract';
import { DAY_MS } from '../core/time.js';

/**
 * Where a PAT stands against its expiry (docs/rules.md, "Lifecycle"): EXPIRED at or after its
 * expirationDate, EXPIRING within `expiringSoonDays` of it, ACTIVE otherwise (and always for a
 * never-expiring PAT). The list filter `status eq …` says the same in SQL (pat-filter-sql.ts).
 */
export function patStatus(
  expirationDate: string | null,
  now: Date,
  expiringSoonDays: number,
): PatStatus {
  if (expirationDate === null) return 'ACTIVE';
  const expires = new Date(expirationDate).getTime();
  if (expires <= now.getTime()) return 'EXPIRED';
  return expires <= now.getTime() + expiringSoonDays * DAY_MS ? 'EXPIRING' : 'ACTIVE';
}

/** The bounds `status` is computed against, for the list's SQL. */
export function statusWindow(now: Date, expiringSoonDays: number) {
  return {
    now: now.toISOString(),
    expiringBefore: new Date(now.getTime() + expiringSoonDays * DAY_MS).toISOString(),
  };
}
