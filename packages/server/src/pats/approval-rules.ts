import { ALL_SCOPES, canonicalScope } from '@patina/contract';
import type { ApprovalRule } from '../config/schema.js';
import type { RightsModel } from '../identities/rights.js';
import type { IdentitiesRepository } from '../storage/identities-repository.js';

/** The rules that bind a PAT's scope, and the scopes that made them bind. */
export interface ApprovalMatch {
  /** The scopes an approver says yes to: named ones, or rights `sp:scopes:all` brings in. */
  sensitive: string[];
  rules: ApprovalRule[];
}

export const NO_APPROVAL: ApprovalMatch = { sensitive: [], rules: [] };

/** How many approvers a request's notification names, and how many identities are looked at. */
const MAX_NOTIFIED_APPROVERS = 50;
const MAX_SCANNED_IDENTITIES = 10_000;
const PAGE = 250;

/** Someone who might approve: an identity's id, roles and rights now. */
export interface Approver {
  id: string;
  roles: readonly string[];
  rights: ReadonlySet<string>;
}

/**
 * `approval.rules` (docs/governance.md): which scopes need someone else's yes, who may give it,
 * how long a request waits and how long an approved PAT may live. A rule's scope is a catalogued
 * scope or a prefix ending in `*`; `sp:scopes:all` stands for every right the owner holds, so it
 * is sensitive exactly when the owner holds a right some rule names.
 */
export class ApprovalRules {
  constructor(
    private readonly rules: readonly ApprovalRule[],
    private readonly rights: RightsModel,
  ) {}

  get any(): boolean {
    return this.rules.length > 0;
  }

  /** The rules `scope` falls under, for an owner holding `ownerRights`. */
  match(scope: readonly string[], ownerRights: ReadonlySet<string>): ApprovalMatch {
    if (this.rules.length === 0) return NO_APPROVAL;
    const named = scope.map(canonicalScope);
    const candidates = named.includes(ALL_SCOPES)
      ? [...new Set([...named.filter((s) => s !== ALL_SCOPES), ...ownerRights])]
      : [...new Set(named)];
    const sensitive = new Set<string>();
    const rules: ApprovalRule[] = [];
    for (const rule of this.rules) {
      const hits = candidates.filter((s) => rule.scopes.some((r) => scopeMatches(r, s)));
      if (hits.length === 0) continue;
      rules.push(rule);
      for (const hit of hits) sensitive.add(hit);
    }
    return { sensitive: [...sensitive].sort(), rules };
  }

  /**
   * The sensitive scopes `after` has that `before` had not: a change that adds one needs an
   * approver, a change that keeps or drops them does not.
   */
  added(
    before: readonly string[],
    after: readonly string[],
    ownerRights: ReadonlySet<string>,
  ): ApprovalMatch {
    const had = new Set(this.match(before, ownerRights).sensitive);
    const now = this.match(after, ownerRights);
    const sensitive = now.sensitive.filter((s) => !had.has(s));
    if (sensitive.length === 0) return NO_APPROVAL;
    return { sensitive, rules: now.rules.filter((r) => ruleNamesAny(r, sensitive)) };
  }

  /** Whether `approver` satisfies every rule of `match` (each rule's approvers say who). */
  mayApprove(match: ApprovalMatch, approver: Approver): boolean {
    return match.rules.every((rule) => {
      const who = rule.approvers;
      return (
        who.identities.includes(approver.id) ||
        who.roles.some((role) => approver.roles.includes(role)) ||
        who.rights.some((right) => approver.rights.has(canonicalScope(right)))
      );
    });
  }

  /** `identity` as an approver: its roles and its rights now. */
  approverOf(identity: {
    id: string;
    roles: readonly string[];
    rights: readonly string[];
  }): Approver {
    return { id: identity.id, roles: identity.roles, rights: this.rights.rightsOf(identity) };
  }

  /**
   * Up to `max` active identities who may approve `match`, but none of `excluded` (the requester
   * and the owner): whom the request's notification goes to.
   */
  async approverIds(
    identities: IdentitiesRepository,
    match: ApprovalMatch,
    excluded: readonly (string | null)[],
    max = MAX_NOTIFIED_APPROVERS,
  ): Promise<string[]> {
    const found: string[] = [];
    for (let offset = 0; offset < MAX_SCANNED_IDENTITIES && found.length < max; offset += PAGE) {
      const page = await identities.list({ limit: PAGE, offset });
      for (const identity of page) {
        if (identity.status !== 'ACTIVE' || excluded.includes(identity.id)) continue;
        if (this.mayApprove(match, this.approverOf(identity))) found.push(identity.id);
        if (found.length >= max) break;
      }
      if (page.length < PAGE) break;
    }
    return found;
  }

  /** The shortest requestTtlHours of the rules. */
  requestTtlHours(match: ApprovalMatch): number {
    return Math.min(...match.rules.map((r) => r.requestTtlHours));
  }

  /** The shortest maxLifetimeDays of the rules, or null when none sets one. */
  maxLifetimeDays(match: ApprovalMatch): number | null {
    const days = match.rules.flatMap((r) =>
      r.maxLifetimeDays === null ? [] : [r.maxLifetimeDays],
    );
    return days.length === 0 ? null : Math.min(...days);
  }

  /**
   * A rule that cannot bind or cannot be satisfied is a mistake in the config file: refused at
   * start with the setting's path, like every other bad setting.
   */
  check(): void {
    this.rules.forEach((rule, index) => {
      const path = `approval.rules[${index}]`;
      rule.scopes.forEach((scope, i) => {
        const prefix = scope.endsWith('*');
        const known = prefix
          ? scope.length > 1 && !scope.slice(0, -1).includes('*')
          : scope !== ALL_SCOPES && this.rights.isGrantableScope(scope);
        if (!known) {
          throw new Error(
            `Invalid configuration: ${path}.scopes[${i}] '${scope}' is neither a scope of the catalogue nor a prefix ending in '*'`,
          );
        }
      });
      const who = rule.approvers;
      if (who.roles.length + who.rights.length + who.identities.length === 0) {
        throw new Error(
          `Invalid configuration: ${path}.approvers names nobody: give at least one role, right or identity`,
        );
      }
      who.roles.forEach((role, i) => {
        if (!this.rights.isKnownRole(role)) {
          throw new Error(
            `Invalid configuration: ${path}.approvers.roles[${i}] '${role}' is not a role (built in, or in the \`roles\` setting)`,
          );
        }
      });
    });
  }
}

function scopeMatches(rule: string, scope: string): boolean {
  return rule.endsWith('*')
    ? scope.startsWith(rule.slice(0, -1))
    : canonicalScope(rule) === canonicalScope(scope);
}

function ruleNamesAny(rule: ApprovalRule, scopes: readonly string[]): boolean {
  return scopes.some((s) => rule.scopes.some((r) => scopeMatches(r, s)));
}
