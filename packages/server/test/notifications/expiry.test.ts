import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { expectSailPointError, HOUR_MS, ILLEGAL, startTestApp, type TestApp } from '../helpers.js';

async function expiringEvents(t: TestApp) {
  return (await t.auditEvents('PERSONAL_ACCESS_TOKEN_EXPIRING')).map((e) => {
    const details = JSON.parse(e.details) as { daysLeft: number; thresholdDays: number };
    return [e.target_name, details.thresholdDays, details.daysLeft];
  });
}

describe('expiry warnings', () => {
  it('warn once at each threshold as a PAT nears its expiry, and not again', async () => {
    const t = await startTestApp();
    await t.mintPat(t.admin.identity.id, {
      name: 'deploy',
      expirationDate: '2026-03-01T12:00:00.000Z',
    });
    const sweepAt = async (iso: string) => {
      t.clock.set(iso);
      await t.services.housekeeping.runOnce();
      await t.services.housekeeping.runOnce();
    };
    await sweepAt('2026-01-29T23:59:00.000Z'); // 31 days left: nothing yet
    expect(await expiringEvents(t)).toEqual([]);
    await sweepAt('2026-01-30T00:01:00.000Z'); // 30 days left (UTC days)
    await sweepAt('2026-02-10T10:00:00.000Z');
    await sweepAt('2026-02-22T00:05:00.000Z'); // 7
    await sweepAt('2026-02-28T00:05:00.000Z'); // 1
    await sweepAt('2026-03-01T00:05:00.000Z'); // 0: the day it expires
    expect(await expiringEvents(t)).toEqual([
      ['deploy', 30, 30],
      ['deploy', 7, 7],
      ['deploy', 1, 1],
      ['deploy', 0, 0],
    ]);
    await sweepAt('2026-03-01T13:00:00.000Z');
    expect(await t.auditEvents('PERSONAL_ACCESS_TOKEN_EXPIRED')).toHaveLength(1);
    expect(await expiringEvents(t)).toHaveLength(4);
  });

  it('warn a PAT first seen inside several thresholds once, for the smallest', async () => {
    const t = await startTestApp();
    await t.mintPat(t.admin.identity.id, {
      name: 'short',
      expirationDate: '2026-01-18T09:00:00.000Z',
    });
    await t.services.housekeeping.runOnce();
    t.clock.advance(HOUR_MS);
    await t.services.housekeeping.runOnce();
    expect(await expiringEvents(t)).toEqual([['short', 7, 3]]);
  });

  it('start afresh when the expiry date moves', async () => {
    const t = await startTestApp();
    const { id } = await t.mintPat(t.admin.identity.id, {
      name: 'moved',
      expirationDate: '2026-01-20T10:00:00.000Z',
    });
    await t.services.housekeeping.runOnce();
    const res = await t.request({
      method: 'PATCH',
      url: `/v3/personal-access-tokens/${id}`,
      token: t.admin.token,
      json: [{ op: 'replace', path: '/expirationDate', value: '2026-02-10T10:00:00.000Z' }],
    });
    expect(res.statusCode).toBe(200);
    await t.services.housekeeping.runOnce();
    expect(await expiringEvents(t)).toEqual([
      ['moved', 7, 5],
      ['moved', 30, 26],
    ]);
  });
});

describe('identity email', () => {
  it('is set at create, changed and removed by merge patch, and validated', async () => {
    const t = await startTestApp();
    const created = await t.request({
      method: 'POST',
      url: '/patina/v1/identities',
      token: t.admin.token,
      json: { name: 'Grace', email: 'grace@example.com' },
    });
    expect(created.statusCode).toBe(201);
    const grace = created.json<{ id: string; email?: string }>();
    expect(grace.email).toBe('grace@example.com');
    const changed = await t.patchIdentity(grace.id, { email: 'g.hopper@example.org' });
    expect(changed.json()).toMatchObject({ email: 'g.hopper@example.org' });
    const removed = await t.patchIdentity(grace.id, { email: null });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).not.toHaveProperty('email');
    for (const bad of ['grace', 'grace@', 'a b@example.com', 'grace@example.com>, eve@evil.test']) {
      const res = await t.patchIdentity(grace.id, { email: bad });
      expectSailPointError(res, 400, ILLEGAL, /email/);
    }
    await expect(
      t.services.identities.update(SYSTEM_CONTEXT, grace.id, { email: 'x@localhost' }),
    ).rejects.toThrow("'email' must be a mail address such as ada@example.com");
  });
});

describe('GET /patina/v1/me/expirations.ics', () => {
  it("is an iCalendar feed of the caller's expiring PATs, with a reminder a week before", async () => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea', login: 'bea' });
    await t.mintPat(bea.identity.id, {
      name: 'deploy, prod; eu',
      expirationDate: '2026-03-01T12:30:00.000Z',
    });
    await t.mintPat(t.admin.identity.id, {
      name: 'not hers',
      expirationDate: '2026-03-02T00:00:00.000Z',
    });
    const res = await t.request({
      method: 'GET',
      url: '/patina/v1/me/expirations.ics',
      token: bea.token,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const body = res.body;
    expect(body.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(body.endsWith('END:VCALENDAR\r\n')).toBe(true);
    for (const line of body.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const unfolded = body.replace(/\r\n /g, '');
    // Her login PAT (six months) and the one above; the admin's is not in it.
    expect(unfolded.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    expect(unfolded).toContain('DTSTART:20260301T123000Z');
    expect(unfolded).toContain('SUMMARY:Personal access token "deploy\\, prod\\; eu" expires');
    expect(unfolded).toContain('TRIGGER:-P7D');
    expect(unfolded).not.toContain('not hers');
    expect(unfolded).not.toContain(bea.secret);
    const anonymous = await t.request({ method: 'GET', url: '/patina/v1/me/expirations.ics' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('escapes a bare CR and drops other control characters of a name an old database holds', async () => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea', login: 'bea' });
    const { id } = await t.mintPat(bea.identity.id, {
      name: 'deploy',
      expirationDate: '2026-03-01T12:30:00.000Z',
    });
    // Names are refused with these now; a database from before that check may still hold one.
    await t.storage.db
      .updateTable('personal_access_tokens')
      .set({ name: 'deploy\rDTSTART:19700101T000000Z\r\nX\n\u001b[2J\u0007' })
      .where('id', '=', id)
      .execute();
    const res = await t.request({
      method: 'GET',
      url: '/patina/v1/me/expirations.ics',
      token: bea.token,
    });
    expect(res.statusCode).toBe(200);
    // Every line ends with CRLF: no CR or LF on its own, no other control character.
    // eslint-disable-next-line no-control-regex
    expect(res.body.replace(/\r\n/g, '')).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f]/);
    const unfolded = res.body.replace(/\r\n /g, '');
    expect(unfolded).toContain(
      'SUMMARY:Personal access token "deploy\\nDTSTART:19700101T000000Z\\nX\\n\uFFFD[2J\uFFFD" expires\r\n',
    );
    expect(unfolded.match(/^DTSTART:/gm)).toEqual(['DTSTART:', 'DTSTART:']);
  });
});
