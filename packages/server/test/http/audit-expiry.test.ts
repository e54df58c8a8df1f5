import { describe, expect, it } from 'vitest';
import { DAY_MS, HEX32, startTestApp } from '../helpers.js';

describe('expiry events', () => {
  it('records PERSONAL_ACCESS_TOKEN_EXPIRED once per PAT, when its expiry has passed', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, {
      name: 'one day',
      expirationDate: '2026-01-16T10:00:00.000Z',
    });
    const expired = () => t.auditEvents('PERSONAL_ACCESS_TOKEN_EXPIRED');

    t.clock.set('2026-01-16T09:59:59.999Z');
    expect(await t.services.expirySweeper.runOnce()).toBe(0);
    expect(await expired()).toEqual([]);

    t.clock.set('2026-01-16T10:00:00.000Z');
    expect(await t.services.expirySweeper.runOnce()).toBe(1);
    t.clock.advance(DAY_MS);
    expect(await t.services.expirySweeper.runOnce()).toBe(0);

    const fresh = await t.accessToken(t.admin.patId, t.admin.secret);
    const served = await t.request({
      method: 'GET',
      url: '/patina/v1/audit-events?type=PERSONAL_ACCESS_TOKEN_EXPIRED',
      token: fresh,
    });
    expect(served.statusCode).toBe(200);
    expect(served.json()).toEqual([
      {
        id: expect.stringMatching(HEX32) as unknown,
        time: '2026-01-16T10:00:00.000Z',
        type: 'PERSONAL_ACCESS_TOKEN_EXPIRED',
        actor: { id: null, name: 'patina' },
        target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: 'one day' },
        outcome: 'SUCCESS',
        sourceIp: null,
        userAgent: null,
        trackingId: null,
        details: { ownerId: t.admin.identity.id, expirationDate: '2026-01-16T10:00:00.000Z' },
      },
    ]);
  });

  it('never records a never-expiring PAT as expired', async () => {
    const t = await startTestApp({ config: { policy: { allowNeverExpiring: true } } });
    const forever = await t.mintPat(t.admin.identity.id, {
      name: 'forever',
      expirationDate: null,
      userAwareTokenNeverExpires: true,
    });
    t.clock.advance(20 * 365 * DAY_MS);
    // The admin's own login PAT (6 months) expires; the never-expiring one does not.
    expect(await t.services.expirySweeper.runOnce()).toBe(1);
    const expired = await t.auditEvents('PERSONAL_ACCESS_TOKEN_EXPIRED');
    expect(expired.map((e) => e.target_id)).toEqual([t.admin.patId]);
    expect((await t.exchange(forever.id, forever.secret)).statusCode).toBe(200);
  });

  it('does not record a PAT deleted before its expiry as expired', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, {
      name: 'short',
      expirationDate: '2026-01-15T11:00:00.000Z',
    });
    const deleted = await t.request({
      method: 'DELETE',
      url: `/v3/personal-access-tokens/${pat.id}`,
      token: t.admin.token,
    });
    expect(deleted.statusCode).toBe(204);
    t.clock.advance(DAY_MS);
    expect(await t.services.expirySweeper.runOnce()).toBe(0);
    expect(await t.auditEvents('PERSONAL_ACCESS_TOKEN_EXPIRED')).toEqual([]);
  });
});
