import { ALL_SCOPES, canonicalScope } from '@patina/contract';
import type { PolicyRule } from '../config/schema.js';
import type { RightsModel } from '../identities/rights.js';

/**
 * `policy.rules`: tighter limits for PATs that name risky scopes (docs/rules.md, "Lifecycle").
 * A PAT is bound by every rule one of whose scopes it names; `sp:scopes:all` names them all, as
 * it stands for every right the owner holds. Under several rules the strictest limit of each
 * kind wins, and a limit is reported with the rule it came from.
 */
export interface RuleLimit {
  days: number;
  /** How a message names the rule: `policy.rules[0] (orders:write)`. */
  rule: string;
}

export interface RuleBounds {
  /** The shortest maxLifetimeDays of the rules that bind, or null. */
  maxLifetime: RuleLimit | null;
  /** The first binding rule that refuses never-expiring PATs, or null. */
  neverExpiringRefusedBy: string | null;
  /** The shortest revokeAfterInactiveDays of the rules that bind, or null. */
  inactivity: RuleLimit | null;
}

export const NO_RULE_BOUNDS: RuleBounds = {
  maxLifetime: null,
  neverExpiringRefusedBy: null,
  inactivity: null,
};

/** The limits `policy.rules` put on a PAT with `scope`. */
export function ruleBoundsFor(scope: readonly string[], rules: readonly PolicyRule[]): RuleBounds {
  if (rules.length === 0) return NO_RULE_BOUNDS;
  const named = new Set(scope.map(canonicalScope));
  const all = named.has(ALL_SCOPES);
  const bounds = { ...NO_RULE_BOUNDS };
  rules.forEach((rule, index) => {
    if (!all && !rule.scopes.some((s) => named.has(canonicalScope(s)))) return;
    const label = `policy.rules[${index}] (${rule.scopes.join(', ')})`;
    bounds.maxLifetime = shorter(bounds.maxLifetime, rule.maxLifetimeDays, label);
    bounds.inactivity = shorter(bounds.inactivity, rule.revokeAfterInactiveDays, label);
    if (!rule.allowNeverExpiring && bounds.neverExpiringRefusedBy === null) {
      bounds.neverExpiringRefusedBy = label;
    }
  });
  return bounds;
}

/** The stricter of a limit so far and a rule's (null: the rule sets none); the first on a tie. */
function shorter(so: RuleLimit | null, days: number | null, rule: string): RuleLimit | null {
  if (days === null || (so !== null && so.days <= days)) return so;
  return { days, rule };
}

/** Whether any rule limits inactivity: the sweep reads every PAT's scope only then. */
export function rulesLimitInactivity(rules: readonly PolicyRule[]): boolean {
  return rules.some((rule) => rule.revokeAfterInactiveDays !== null);
}

/**
 * A rule naming a scope outside the catalogue is a typo that would bind nothing: refused at
 * start, with the setting's path, like every other bad setting.
 */
export function checkRuleScopes(rules: readonly PolicyRule[], rights: RightsModel): void {
  rules.forEach((rule, index) => {
    rule.scopes.forEach((scope, i) => {
      if (scope === ALL_SCOPES || !rights.isGrantableScope(scope)) {
        throw new Error(
          `Invalid configuration: policy.rules[${index}].scopes[${i}] '${scope}' is not a scope of the catalogue`,
        );
      }
    });
  });
}
