import { addMonthsUtc, ALL_SCOPES, canonicalScope } from '@patina/contract';
import type { ExpiryPolicy } from './api.js';
import { DAY, plural } from './format.js';

/**
 * How late a PAT may expire and whether it may never expire, worked out as the server works it
 * out (docs/rules.md, "Expiry" and "Lifecycle"): at most `policy.maxLifetimeMonths` calendar
 * months from its creation, and at most the shortest `maxLifetimeDays` of the `policy.rules` its
 * scopes bind it to. A rule binds when the PAT names any of its scopes, or names sp:scopes:all
 * (every right its owner holds); scopes compare in their canonical spelling.
 */
export interface ExpiryCap {
  latestMs: number;
  /** The limit that sets `latestMs`: "30 days", "12 months". */
  limit: string;
  /** Where that limit comes from: "policy rule for orders:write", "this deployment’s limit". */
  source: string;
  /** Whether a rule sets the limit (rather than the deployment's months). */
  byRule: boolean;
  /**
   * The rule that refuses a never-expiring PAT with these scopes ("policy rule for
   * orders:write"), or null; `policy.allowNeverExpiring` is the deployment's own say.
   */
  neverExpiringRefusedBy: string | null;
}

export function expiryCap(
  policy: ExpiryPolicy,
  scope: Iterable<string>,
  createdMs: number,
): ExpiryCap {
  const named = new Set([...scope].map(canonicalScope));
  const binding = policy.rules.filter(
    (rule) => named.has(ALL_SCOPES) || rule.scopes.some((s) => named.has(canonicalScope(s))),
  );
  // The strictest rule's limit, the first on a tie.
  let strictest: { days: number; source: string } | null = null;
  for (const rule of binding) {
    if (rule.maxLifetimeDays !== null && (!strictest || rule.maxLifetimeDays < strictest.days)) {
      strictest = { days: rule.maxLifetimeDays, source: ruleName(rule.scopes) };
    }
  }
  const byMonths = addMonthsUtc(new Date(createdMs), policy.maxLifetimeMonths).getTime();
  const byRule = strictest ? createdMs + strictest.days * DAY : Infinity;
  // As the server does: a rule with a lifetime refuses never-expiring, as does one that says so.
  const neverExpiringRefusedBy =
    strictest?.source ??
    binding.filter((rule) => !rule.allowNeverExpiring).map((rule) => ruleName(rule.scopes))[0] ??
    null;
  if (strictest && byRule < byMonths) {
    return {
      latestMs: byRule,
      limit: plural(strictest.days, 'day'),
      source: strictest.source,
      byRule: true,
      neverExpiringRefusedBy,
    };
  }
  return {
    latestMs: byMonths,
    limit: plural(policy.maxLifetimeMonths, 'month'),
    source: 'this deployment’s limit',
    byRule: false,
    neverExpiringRefusedBy,
  };
}

function ruleName(scopes: readonly string[]): string {
  return `policy rule for ${scopes.join(', ')}`;
}

/** The day (YYYY-MM-DD, UTC) of an instant, as a date input takes it. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The expiry a chosen day gives: the end of that day, or the limit on its last day. The limit is
 * worked out from an instant before the server makes or changes the PAT, so it is inside.
 */
export function endOfDayWithin(day: string, latestMs: number): string {
  return new Date(Math.min(Date.parse(`${day}T23:59:59.000Z`), latestMs)).toISOString();
}

/** What the status badge's "Expiring" means here: "Shown as Expiring within 14 days of its expiry." */
export function expiringRule(expiringSoonDays: number): string {
  return expiringSoonDays === 0
    ? 'Never shown as Expiring: this deployment does not warn ahead of expiry.'
    : `Shown as Expiring within ${plural(expiringSoonDays, 'day')} of its expiry.`;
}
