import type { PatUsageResponse, UsageDay } from '@patina/contract';
import { RIGHTS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  DAY_MS,
  ILLEGAL,
  expectRefused,
  startTestApp,
  UNKNOWN_ID,
  type TestApp,
} from '../helpers.js';

const PATINA_PATS = '/patina/v1/personal-access-tokens';

/** A PAT of the admin's that nothing else exchanges: its counts are the test's alone. */
async function subjectPat(t: TestApp, scope: string[] = ['orders:read']) {
  return t.mintPat(t.admin.identity.id, { name: 'ci', scope });
}

/** GET .../{id}/usage as `token` (the admin, freshly exchanged, by default). */
async function usage(t: TestApp, id: string, query = '', token?: string) {
  return t.request({
    method: 'GET',
    url: `${PATINA_PATS}/${id}/usage${query}`,
    token: token ?? (await t.accessToken(t.admin.patId, t.admin.secret)),
  });
}

async function usageDays(t: TestApp, id: string, days: number): Promise<UsageDay[]> {
  const response = await usage(t, id, `?days=${days}`);
  expect(response.statusCode).toBe(200);
  const body = response.json<PatUsageResponse>();
  expect(body.patId).toBe(id);
  return body.days;
}

async function exchanges(t: TestApp, id: string, secret: string, count: number) {
  for (let i = 0; i < count; i++) {
    expect((await t.exchange(id, secret)).statusCode).toBe(200);
  }
}

async function refusals(t: TestApp, id: string, count: number) {
  for (let i = 0; i < count; i++) {
    const response = await t.exchange(id, 'not-the-secret');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(BAD_CREDENTIALS);
  }
}

async function storedRows(t: TestApp) {
  return t.storage.db
    .selectFrom('pat_usage_days')
    .selectAll()
    .orderBy('pat_id')
    .orderBy('day')
    .execute();
}

describe('per-PAT usage history', () => {
  it('counts exchanges per UTC day, successes and failures, across midnight', async () => {
    const t = await startTestApp();
    const pat = await subjectPat(t);
    await exchanges(t, pat.id, pat.secret, 2);
    await refusals(t, pat.id, 1);
    t.clock.set('2026-01-15T23:59:59.900Z');
    await exchanges(t, pat.id, pat.secret, 1);
    t.clock.set('2026-01-16T00:00:00.100Z');
    await exchanges(t, pat.id, pat.secret, 3);
    await refusals(t, pat.id, 2);
    await t.services.patUsage.flush();

    expect(await usageDays(t, pat.id, 3)).toEqual([
      { day: '2026-01-14', succeeded: 0, failed: 0 },
      { day: '2026-01-15', succeeded: 3, failed: 1 },
      { day: '2026-01-16', succeeded: 3, failed: 2 },
    ]);
  });

  it('writes nothing on the exchange itself: the counts reach the table when flushed', async () => {
    const t = await startTestApp();
    const pat = await subjectPat(t);
    await t.services.patUsage.flush();
    const before = await storedRows(t);
    await exchanges(t, pat.id, pat.secret, 2);
    expect(await storedRows(t)).toEqual(before);
    await t.services.patUsage.flush();
    expect((await storedRows(t)).filter((row) => row.pat_id === pat.id)).toEqual([
      { pat_id: pat.id, day: '2026-01-15', succeeded: 2, failed: 0 },
    ]);
  });

  it('adds the counts of one flush to those of the flushes before', async () => {
    const t = await startTestApp();
    const pat = await subjectPat(t);
    await exchanges(t, pat.id, pat.secret, 2);
    await refusals(t, pat.id, 1);
    await t.services.patUsage.flush();
    await exchanges(t, pat.id, pat.secret, 3);
    await refusals(t, pat.id, 2);
    await t.services.patUsage.flush();
    await t.services.patUsage.flush(); // nothing new: adds nothing

    expect(await usageDays(t, pat.id, 1)).toEqual([{ day: '2026-01-15', succeeded: 5, failed: 3 }]);
  });

  it('counts an exchange the grant refuses after authentication (a scope the PAT lacks)', async () => {
    const t = await startTestApp();
    const pat = await subjectPat(t, ['orders:read']);
    const response = await t.exchange(pat.id, pat.secret, { scope: 'orders:write' });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: string }>().error).toBe('invalid_scope');
    await t.services.patUsage.flush();
    expect(await usageDays(t, pat.id, 1)).toEqual([{ day: '2026-01-15', succeeded: 0, failed: 1 }]);
  });

  it('counts no unknown client id, and no failure at other endpoints than the token endpoint', async () => {
    const t = await startTestApp();
    const pat = await subjectPat(t);
    expect((await t.exchange(UNKNOWN_ID, 'whatever')).statusCode).toBe(401);
    const introspection = await t.postForm('/oauth/introspect', {
      token: 'x',
      client_id: pat.id,
      client_secret: 'not-the-secret',
    });
    expect(introspection.statusCode).toBe(401);
    await t.services.patUsage.flush();
    const rows = await storedRows(t);
    expect(rows.map((row) => row.pat_id)).not.toContain(UNKNOWN_ID);
    expect(rows.map((row) => row.pat_id)).not.toContain(pat.id);
  });

  it('answers every day of the window, zeros included, oldest first, ending today', async () => {
    const t = await startTestApp();
    const pat = await subjectPat(t);
    t.clock.set('2026-03-01T08:00:00.000Z');
    expect(await usageDays(t, pat.id, 3)).toEqual([
      { day: '2026-02-27', succeeded: 0, failed: 0 },
      { day: '2026-02-28', succeeded: 0, failed: 0 },
      { day: '2026-03-01', succeeded: 0, failed: 0 },
    ]);
    const all = await usage(t, pat.id);
    expect(all.statusCode).toBe(200);
    const days = all.json<PatUsageResponse>().days;
    expect(days).toHaveLength(30);
    expect(days[0]).toEqual({ day: '2026-01-31', succeeded: 0, failed: 0 });
    expect(days[29]).toEqual({ day: '2026-03-01', succeeded: 0, failed: 0 });
    expect(await usageDays(t, pat.id, 400)).toHaveLength(400);
  });

  it('prunes the days older than accessReviews.usageHistoryDays in the housekeeping sweep', async () => {
    const t = await startTestApp({ config: { accessReviews: { usageHistoryDays: 30 } } });
    const pat = await subjectPat(t);
    await exchanges(t, pat.id, pat.secret, 1); // 2026-01-15
    t.clock.advance(DAY_MS);
    await exchanges(t, pat.id, pat.secret, 2); // 2026-01-16
    await t.services.patUsage.flush();

    // 2026-02-13: the 30 days kept are 2026-01-15 .. 2026-02-13.
    t.clock.set('2026-02-13T12:00:00.000Z');
    expect(await t.services.housekeeping.runOnce()).toMatchObject({ usageDaysPruned: 0 });
    t.clock.set('2026-02-14T00:00:00.000Z');
    const before = await storedRows(t);
    const kept = before.filter((row) => row.day >= '2026-01-16');
    // The admin's PAT has rows too (its exchanges for access tokens).
    expect(before.length - kept.length).toBeGreaterThanOrEqual(2);
    expect(await t.services.housekeeping.runOnce()).toMatchObject({
      usageDaysPruned: before.length - kept.length,
    });
    expect(await storedRows(t)).toEqual(kept);
    expect(kept.filter((row) => row.pat_id === pat.id)).toEqual([
      { pat_id: pat.id, day: '2026-01-16', succeeded: 2, failed: 0 },
    ]);
    const days = await usageDays(t, pat.id, 31);
    expect(days[0]).toEqual({ day: '2026-01-15', succeeded: 0, failed: 0 });
    expect(days[1]).toEqual({ day: '2026-01-16', succeeded: 2, failed: 0 });
  });

  it('is readable by whoever may GET the PAT, and refused as that GET is', async () => {
    const t = await startTestApp({ config: { roles: { AUDITOR: [RIGHTS.allRead] } } });
    const pat = await subjectPat(t);
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const auditor = await t.user({ name: 'Audrey', login: 'audrey', roles: ['AUDITOR'] });
    const scoped = await t.mintPat(t.admin.identity.id, { name: 'api', scope: ['orders:read'] });
    const scopedToken = await t.accessToken(scoped.id, scoped.secret);

    // Bob's own PAT: his.
    expect((await usage(t, bob.patId, '?days=1', bob.token)).statusCode).toBe(200);
    // An auditor reads anyone's.
    expect((await usage(t, pat.id, '?days=1', auditor.token)).statusCode).toBe(200);
    for (const [id, token] of [
      [pat.id, bob.token], // another owner's PAT: 404, as if it did not exist
      [UNKNOWN_ID, t.admin.token], // no such PAT
      ['not-an-id', t.admin.token],
      [scoped.id, scopedToken], // a token without the right to read its own PATs: 403
    ] as const) {
      const get = await t.request({ method: 'GET', url: `${PATINA_PATS}/${id}`, token });
      expect(get.statusCode).toBeGreaterThanOrEqual(400);
      const refused = await usage(t, id, '?days=1', token);
      expect(refused.statusCode).toBe(get.statusCode);
      const withoutTrackingId = (body: Record<string, unknown>) => ({ ...body, trackingId: '' });
      expect(withoutTrackingId(refused.json())).toEqual(withoutTrackingId(get.json()));
    }
  });

  it.each([
    ['days=0', "Query parameter 'days' must be >= 1"],
    ['days=401', "Query parameter 'days' must be <= 400"],
    ['days=x', "Query parameter 'days' must be an integer"],
    ['days=1.5', "Query parameter 'days' must be an integer"],
  ])('refuses %s with a 400 naming days', async (query, text) => {
    const t = await startTestApp();
    const pat = await subjectPat(t);
    await expectRefused(
      t,
      () =>
        t.request({
          method: 'GET',
          url: `${PATINA_PATS}/${pat.id}/usage?${query}`,
          token: t.admin.token,
        }),
      [400, ILLEGAL, text],
    );
  });
});
