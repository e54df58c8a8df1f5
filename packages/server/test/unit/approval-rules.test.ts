import { ALL_SCOPES } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { RightsModel } from '../../src/identities/rights.js';
import { ApprovalRules } from '../../src/pats/approval-rules.js';

/** `approval.rules` (docs/governance.md, "Approval"): which scopes bind, who may approve. */

const SCOPES = ['payments:write', 'payments:refund', 'orders:read', 'orders:write'];
const BOSS = '0123456789abcdef0123456789abcdef';

function rulesOf(rules: unknown[]) {
  const config = parseConfig({
    dataDir: ':memory:',
    scopes: SCOPES.map((name) => ({ name })),
    roles: { FINANCE: ['payments:write'], SECURITY: [] },
    approval: { rules },
  });
  const rights = new RightsModel(config);
  return { approvals: new ApprovalRules(config.approval.rules, rights), rights };
}

const FINANCE_RULE = { scopes: ['payments:*'], approvers: { roles: ['FINANCE'] } };
const ORDERS_RULE = {
  scopes: ['orders:write'],
  approvers: { rights: ['orders:write'], identities: [BOSS] },
  requestTtlHours: 24,
  maxLifetimeDays: 30,
};

describe('approval rules', () => {
  it('binds exact scopes and prefixes; the all-scopes default through the owner’s rights', () => {
    const { approvals } = rulesOf([FINANCE_RULE, ORDERS_RULE]);
    const none = new Set<string>();
    expect(approvals.match(['orders:read'], none).rules).toEqual([]);
    expect(approvals.match(['payments:refund', 'orders:read'], none)).toMatchObject({
      sensitive: ['payments:refund'],
    });
    expect(approvals.match(['orders:write', 'payments:write'], none).rules).toHaveLength(2);
    // sp:scopes:all: sensitive only for what the owner holds.
    expect(approvals.match([ALL_SCOPES], new Set(['orders:read'])).rules).toEqual([]);
    expect(approvals.match([ALL_SCOPES], new Set(['payments:write'])).sensitive).toEqual([
      'payments:write',
    ]);
  });

  it('a change binds only for the sensitive scopes it adds', () => {
    const { approvals } = rulesOf([FINANCE_RULE, ORDERS_RULE]);
    const none = new Set<string>();
    expect(approvals.added(['orders:write'], ['orders:write', 'orders:read'], none).rules).toEqual(
      [],
    );
    const added = approvals.added(['orders:write'], ['orders:write', 'payments:write'], none);
    expect(added.sensitive).toEqual(['payments:write']);
    expect(added.rules).toEqual([expect.objectContaining({ scopes: ['payments:*'] })]);
  });

  it('an approver must satisfy every rule that binds; the strictest limits win', () => {
    const { approvals } = rulesOf([FINANCE_RULE, ORDERS_RULE]);
    const both = approvals.match(['orders:write', 'payments:write'], new Set());
    const financeOnly = approvals.approverOf({ id: 'f', roles: ['FINANCE'], rights: [] });
    const boss = approvals.approverOf({ id: BOSS, roles: ['FINANCE'], rights: [] });
    const writer = approvals.approverOf({ id: 'w', roles: ['USER'], rights: ['orders:write'] });
    expect(approvals.mayApprove(both, financeOnly)).toBe(false);
    expect(approvals.mayApprove(both, boss)).toBe(true);
    const orders = approvals.match(['orders:write'], new Set());
    expect(approvals.mayApprove(orders, writer)).toBe(true);
    expect(approvals.requestTtlHours(both)).toBe(24);
    expect(approvals.maxLifetimeDays(both)).toBe(30);
    expect(approvals.maxLifetimeDays(approvals.match(['payments:write'], new Set()))).toBeNull();
  });

  it('refuses at start a rule that binds nothing or that nobody can satisfy', () => {
    expect(() =>
      rulesOf([{ scopes: ['typo:scope'], approvers: { roles: ['FINANCE'] } }]).approvals.check(),
    ).toThrow(
      "Invalid configuration: approval.rules[0].scopes[0] 'typo:scope' is neither a scope of the catalogue nor a prefix ending in '*'",
    );
    expect(() =>
      rulesOf([{ scopes: [ALL_SCOPES], approvers: { roles: ['FINANCE'] } }]).approvals.check(),
    ).toThrow(/scopes\[0\]/);
    expect(() => rulesOf([{ scopes: ['orders:write'], approvers: {} }]).approvals.check()).toThrow(
      'Invalid configuration: approval.rules[0].approvers names nobody: give at least one role, right or identity',
    );
    expect(() =>
      rulesOf([{ scopes: ['orders:write'], approvers: { roles: ['NOBODY'] } }]).approvals.check(),
    ).toThrow("approval.rules[0].approvers.roles[0] 'NOBODY' is not a role");
    expect(() => rulesOf([FINANCE_RULE, ORDERS_RULE]).approvals.check()).not.toThrow();
  });
});
