import { type ExpiryRule, addMonthsUtc } from '@patina/contract';
import { illegalValue, PatinaError } from '../core/errors.js';
import type { Policy } from '../config/schema.js';
import type { RuleBounds } from './policy-rules.js';
import { DAY_MS } from '../core/time.js';

export interface ExpiryRequest {
  rule: ExpiryRule;
  /** When the PAT was (or is being) created: the start of its maximum lifetime. */
  created: Date;
  now: Date;
  /** As sent: undefined when absent, null when explicitly null. Already format-checked. */
  expirationDate: string | null | undefined;
  userAwareTokenNeverExpires: boolean;
  policy: Pick<Policy, 'maxLifetimeMonths' | 'allowNeverExpiring'>;
  /** What `policy.rules` add for the PAT's scope; none when absent. */
  rules?: RuleBounds;
}

export interface ResolvedExpiry {
  expirationDate: string | null;
  userAwareTokenNeverExpires: boolean;
}

/**
 * Applies the expiry rules (docs/rules.md, "Expiry") and the lifetime limits of `policy.rules`
 * (docs/rules.md, "Lifecycle"); throws a 400 naming the field (and the rule) on any violation.
 */
export function resolveExpiry(request: ExpiryRequest): ResolvedExpiry {
  const { rule, created, now, policy } = request;
  const byPolicy = addMonthsUtc(created, policy.maxLifetimeMonths);
  const ruleLimit = request.rules?.maxLifetime ?? null;
  const byRule = ruleLimit && new Date(created.getTime() + ruleLimit.days * DAY_MS);
  // A rule's limit binds only where it is the shorter one.
  const limitingRule = byRule && byRule.getTime() < byPolicy.getTime() ? ruleLimit : null;
  const maxExpiry = byRule && limitingRule ? byRule : byPolicy;
  const given = request.expirationDate ?? null;

  if (given === null) {
    if (request.userAwareTokenNeverExpires) {
      if (!policy.allowNeverExpiring) {
        throw illegalValue(
          'userAwareTokenNeverExpires',
          'Never-expiring personal access tokens are not allowed by this deployment’s policy; give an expirationDate',
        );
      }
      const refusedBy = ruleLimit?.rule ?? request.rules?.neverExpiringRefusedBy ?? null;
      if (refusedBy !== null) {
        throw illegalValue(
          'userAwareTokenNeverExpires',
          `Never-expiring personal access tokens are not allowed for this scope by ${refusedBy}; give an expirationDate`,
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
    const why = limitingRule
      ? `${plural(limitingRule.days, 'day')} after creation, by ${limitingRule.rule}`
      : `${plural(policy.maxLifetimeMonths, 'month')} after creation`;
    throw illegalValue(
      'expirationDate',
      `'expirationDate' must be no later than ${maxExpiry.toISOString()} (${why})`,
    );
  }
  return { expirationDate: date.toISOString(), userAwareTokenNeverExpires: false };
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * A scope change can bring a PAT under `policy.rules` it was not bound by: its expiry as it
 * stands (measured from `created`) must then keep to them, or the change is refused.
 */
export function checkRuleLimits(pat: {
  created: Date;
  expirationDate: string | null;
  rules: RuleBounds;
}): void {
  const { maxLifetime, neverExpiringRefusedBy } = pat.rules;
  if (pat.expirationDate === null) {
    const refusedBy = maxLifetime?.rule ?? neverExpiringRefusedBy;
    if (refusedBy) {
      throw illegalValue(
        'scope',
        `This scope brings the personal access token under ${refusedBy}, which does not allow never-expiring personal access tokens; give it an expirationDate first`,
      );
    }
    return;
  }
  if (!maxLifetime) return;
  const latest = new Date(pat.created.getTime() + maxLifetime.days * DAY_MS);
  if (new Date(pat.expirationDate).getTime() > latest.getTime()) {
    throw illegalValue(
      'scope',
      `This scope brings the personal access token under ${maxLifetime.rule}, which allows at most ${plural(maxLifetime.days, 'day')} after creation: its 'expirationDate' must be no later than ${latest.toISOString()}`,
    );
  }
}
