import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { InactivitySweeper } from '../../src/pats/inactivity-sweeper.js';
import { DAY_MS, expectRefused, ILLEGAL, startTestApp, V3, type TestApp } from '../helpers.js';
import { auditOf, isLive, PATINA_PATS } from './helpers.js';

const RULES = {
  policy: {
    allowNeverExpiring: true,
    rules: [
      { scopes: ['orders:write'], maxLifetimeDays: 30, revokeAfterInactiveDays: 14 },
      { scopes: ['orders:read'], allowNeverExpiring: false },
    ],
  },
};

function create(t: TestApp, json: unknown, url = PATINA_PATS) {
  return t.request({ method: 'POST', url, token: t.admin.token, json });
}

describe('policy.rules on create and patch', () => {
  it('defaults the expiry to the rule’s limit and refuses a later one, naming rule and field', async () => {
    const t = await startTestApp({ config: RULES });
    const made = await create(t, { name: 'w', scope: ['orders:write'] }, V3);
    expect(made.json<{ expirationDate: string }>().expirationDate).toBe('2026-02-14T10:00:00.000Z');
    await expectRefused(
      t,
      () =>
        create(
          t,
          { name: 'w2', scope: ['orders:write'], expirationDate: '2026-02-14T10:00:00.001Z' },
          V3,
        ),
      [
        400,
        ILLEGAL,
        "'expirationDate' must be no later than 2026-02-14T10:00:00.000Z (30 days after creation, by policy.rules[0] (orders:write))",
      ],
    );
  });

  it('refuses a never-expiring PAT under a rule that does not allow one', async () => {
    const t = await startTestApp({ config: RULES });
    await expectRefused(
      t,
      () =>
        create(t, {
          name: 'r',
          scope: ['orders:read'],
          userAwareTokenNeverExpires: true,
          expirationDate: null,
        }),
      [
        400,
        ILLEGAL,
        'Never-expiring personal access tokens are not allowed for this scope by policy.rules[1] (orders:read); give an expirationDate',
      ],
    );
    // A PAT the rules do not bind may still never expire.
    expect(
      (
        await create(t, {
          name: 'free',
          scope: ['sp:my-personal-access-tokens:read'],
          userAwareTokenNeverExpires: true,
          expirationDate: null,
        })
      ).statusCode,
    ).toBe(200);
  });

  it('refuses a scope change that brings the PAT under a rule its expiry breaks', async () => {
    const t = await startTestApp({ config: RULES });
    const { id } = await t.mintPat(t.admin.identity.id, { name: 'p', scope: ['orders:read'] });
    await expectRefused(
      t,
      () =>
        t.request({
          method: 'PATCH',
          url: `${V3}/${id}`,
          token: t.admin.token,
          json: [{ op: 'replace', path: '/scope', value: ['orders:write'] }],
        }),
      [
        400,
        ILLEGAL,
        "This scope brings the personal access token under policy.rules[0] (orders:write), which allows at most 30 days after creation: its 'expirationDate' must be no later than 2026-02-14T10:00:00.000Z",
      ],
    );
  });

  it('refuses to start with a rule naming a scope outside the catalogue', async () => {
    await expect(
      startTestApp({ config: { policy: { rules: [{ scopes: ['orders:delete'] }] } } }),
    ).rejects.toThrow(
      "Invalid configuration: policy.rules[0].scopes[0] 'orders:delete' is not a scope of the catalogue",
    );
  });
});

describe('the inactivity sweep', () => {
  it('warns warnDaysBefore days ahead, revokes when due, and a use starts over', async () => {
    const t = await startTestApp({
      config: { policy: { inactivity: { revokeAfterDays: 30, warnDaysBefore: 7 } } },
    });
    const idle = await t.mintPat(t.admin.identity.id, { name: 'idle', scope: null });
    const busy = await t.mintPat(t.admin.identity.id, { name: 'busy', scope: null });
    t.clock.advance(23 * DAY_MS - 1);
    expect(await t.services.inactivitySweeper.runOnce()).toStrictEqual({ warned: 0, revoked: 0 });
    t.clock.advance(1);
    // The admin's login PAT was made at the same time and warned too.
    expect(await t.services.inactivitySweeper.runOnce()).toStrictEqual({ warned: 3, revoked: 0 });
    const warnings = await auditOf(t, 'PERSONAL_ACCESS_TOKEN_INACTIVE_WARNING');
    expect(warnings.find((e) => e.targetId === idle.id)?.details).toStrictEqual({
      ownerId: t.admin.identity.id,
      unusedSince: '2026-01-15T10:00:00.000Z',
      revokeAfterDays: 30,
      revokeAt: '2026-02-14T10:00:00.000Z',
    });
    expect(await t.services.inactivitySweeper.runOnce()).toStrictEqual({ warned: 0, revoked: 0 });
    // Used after the warning: a new period.
    await t.accessToken(busy.id, busy.secret);
    t.clock.advance(7 * DAY_MS);
    const swept = await t.services.inactivitySweeper.runOnce();
    expect(swept.revoked).toBe(2);
    expect(await isLive(t, idle.id)).toBe(false);
    expect(await isLive(t, busy.id)).toBe(true);
    expect(
      (await auditOf(t, 'PERSONAL_ACCESS_TOKEN_REVOKED')).find((e) => e.targetId === idle.id)
        ?.details,
    ).toStrictEqual({
      ownerId: t.admin.identity.id,
      reason: 'INACTIVE',
      unusedSince: '2026-01-15T10:00:00.000Z',
      revokeAfterDays: 30,
    });
  });

  it('never revokes sooner than warnDaysBefore after the warning, however long idle', async () => {
    const t = await startTestApp();
    const old = await t.mintPat(t.admin.identity.id, { name: 'old', scope: null });
    t.clock.advance(100 * DAY_MS);
    // The policy is switched on late: a node started with it.
    const sweeper = new InactivitySweeper({
      storage: t.storage,
      audit: new AuditLog(t.clock),
      clock: t.clock,
      policy: { inactivity: { revokeAfterDays: 30, warnDaysBefore: 7 }, rules: [] },
    });
    expect((await sweeper.runOnce()).revoked).toBe(0);
    t.clock.advance(7 * DAY_MS - 1);
    expect((await sweeper.runOnce()).revoked).toBe(0);
    t.clock.advance(1);
    expect((await sweeper.runOnce()).revoked).toBeGreaterThanOrEqual(1);
    expect(await isLive(t, old.id)).toBe(false);
  });

  it('applies a rule’s shorter revokeAfterInactiveDays to the PATs it binds only', async () => {
    const t = await startTestApp({
      config: {
        policy: {
          inactivity: { warnDaysBefore: 0 },
          rules: [{ scopes: ['orders:write'], revokeAfterInactiveDays: 14 }],
        },
      },
    });
    const risky = await t.mintPat(t.admin.identity.id, { name: 'risky', scope: ['orders:write'] });
    const calm = await t.mintPat(t.admin.identity.id, { name: 'calm', scope: ['orders:read'] });
    t.clock.advance(14 * DAY_MS);
    // sp:scopes:all names every scope: the admin's login PAT is bound too.
    expect(await t.services.inactivitySweeper.runOnce()).toStrictEqual({ warned: 0, revoked: 2 });
    expect(await isLive(t, risky.id)).toBe(false);
    expect(await isLive(t, calm.id)).toBe(true);
  });
});
