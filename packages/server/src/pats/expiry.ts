import { type ExpiryRule } from '@patina/contract';
import { illegalValue, PatinaError } from '../core/errors.js';
import type { Policy } from '../config/schema.js';

export interface ExpiryRequest {
  rule: ExpiryRule;
  /** When the PAT was (or is being) created: the start of its maximum lifetime. */
  created: Date;
  now: Date;
  /** As sent: undefined when absent, null when explicitly null. Already format-checked. */
  expirationDate: string | null | undefined;
  userAwareTokenNeverExpires: boolean;
  policy: Pick<Policy, 'maxLifetimeMonths' | 'allowNeverExpiring'>;
}

export interface ResolvedExpiry {
  expirationDate: string | null;
  userAwareTokenNeverExpires: boolean;
}

/**
 * Applies the expiry rules (docs/rules.md, "Expiry"); throws a 400 naming the field on any
 * violation.
 */
export function resolveExpiry(request: ExpiryRequest): ResolvedExpiry {
  const { rule, created, now, policy } = request;
  const maxExpiry = addMonthsUtc(created, policy.maxLifetimeMonths);
  const given = request.expirationDate ?? null;

  if (given === null) {
    if (request.userAwareTokenNeverExpires) {
      if (!policy.allowNeverExpiring) {
        throw illegalValue(
          'userAwareTokenNeverExpires',
          'Never-expiring personal access tokens are not allowed by this deployment’s policy; give an expirationDate',
        );
      }
      return { expirationDate: null, userAwareTokenNeverExpires: true };
    }
    if (rule === 'explicit') {
      throw new PatinaError(
        'REQUIRED_MISSING',
        "'expirationDate' is required unless 'userAwareTokenNeverExpires' is true",
        { field: 'expirationDate' },
      );
    }
    return { expirationDate: maxExpiry.toISOString(), userAwareTokenNeverExpires: false };
  }

  if (request.userAwareTokenNeverExpires) {
    throw illegalValue(
      'userAwareTokenNeverExpires',
      "'userAwareTokenNeverExpires' may be true only when 'expirationDate' is absent or null",
    );
  }
  const date = new Date(given);
  if (Number.isNaN(date.getTime())) {
    throw illegalValue('expirationDate', "'expirationDate' must be an RFC 3339 date-time");
  }
  if (date.getTime() <= now.getTime()) {
    throw illegalValue('expirationDate', "'expirationDate' must be in the future");
  }
  if (date.getTime() > maxExpiry.getTime()) {
    throw illegalValue(
      'expirationDate',
      `'expirationDate' must be no later than ${maxExpiry.toISOString()} (${policy.maxLifetimeMonths} ${policy.maxLifetimeMonths === 1 ? 'month' : 'months'} after creation)`,
    );
  }
  return { expirationDate: date.toISOString(), userAwareTokenNeverExpires: false };
}

/** Calendar months in UTC, clamped to the month's last day (Aug 31 + 6 months = Feb 28/29). */
export function addMonthsUtc(date: Date, months: number): Date {
  const result = new Date(date.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(
    Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0),
  ).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}
