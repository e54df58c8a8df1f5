import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT as SYSTEM } from '../../src/access/context.js';
import {
  DAY_MS,
  expectRefused,
  MAX_EXPIRY,
  START,
  startTestApp,
  UNKNOWN_ID,
  type TestApp,
} from '../helpers.js';

const OVERVIEW = '/patina/v1/overview';

interface OverviewBody {
  generatedAt: string;
  lastUsed: Record<string, number>;
  expiringPerWeek: { weekStart: string; count: number }[];
  exchangesPerDay: { day: string; succeeded: number; failed: number }[];
}

async function overview(t: TestApp, token: string): Promise<OverviewBody> {
  const res = await t.request({ method: 'GET', url: OVERVIEW, token });
  expect(res.statusCode).toBe(200);
  return res.json<OverviewBody>();
}

/** A PAT of `ownerId` made by Patina itself (no audit event of use), expiring at `expires`. */
async function pat(t: TestApp, ownerId: string, name: string, expires = MAX_EXPIRY) {
  return t.mintPat(ownerId, { name, scope: null, expirationDate: expires });
}

/** One exchange at the clock's time: a success writes lastUsed (and the _USED event). */
async function exchange(t: TestApp, credentials: { id: string; secret: string }, at: string) {
  t.clock.set(at);
  expect((await t.exchange(credentials.id, credentials.secret)).statusCode).toBe(200);
}

async function failedExchange(t: TestApp, id: string, at: string) {
  t.clock.set(at);
  const res = await t.exchange(id, `patina_${'x'.repeat(57)}`);
  expect(res.statusCode).toBe(401);
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('GET /patina/v1/overview', () => {
  it('counts live PATs by the age of their last use; each exact boundary falls in the older bucket', async () => {
    const t = await startTestApp();
    const at = Date.parse(START) + 100 * DAY_MS; // when the overview is asked for
    await t.user({ name: 'Bea' }); // a USER's PAT, used at START: 100 days old
    const owner = t.admin.identity.id;
    const under7 = await pat(t, owner, 'under 7 days');
    const exactly7 = await pat(t, owner, 'exactly 7 days');
    const exactly30 = await pat(t, owner, 'exactly 30 days');
    const under90 = await pat(t, owner, 'just under 90 days');
    const exactly90 = await pat(t, owner, 'exactly 90 days');
    await pat(t, owner, 'never used');
    await t.mintPat(owner, { name: 'managed', scope: null, managed: true });
    const deleted = await pat(t, owner, 'deleted, never used');
    const expired = await pat(t, owner, 'expired', iso(at));
    await t.services.pats.delete(SYSTEM, deleted.id);

    await exchange(t, exactly90, iso(at - 90 * DAY_MS));
    await exchange(t, under90, iso(at - 90 * DAY_MS + 1));
    await exchange(t, exactly30, iso(at - 30 * DAY_MS));
    await exchange(t, exactly7, iso(at - 7 * DAY_MS));
    await exchange(t, under7, iso(at - 7 * DAY_MS + 1));
    await exchange(t, expired, iso(at - DAY_MS));

    t.clock.set(iso(at));
    // Fresh tokens at `at`: both logins are used now (under 7 days).
    const adminToken = await t.accessToken(t.admin.patId, t.admin.secret);
    const auditor = await t.user({ name: 'Otto Auditor', roles: ['AUDITOR'] });

    const seen = await overview(t, adminToken);
    expect(seen.generatedAt).toBe(iso(at));
    expect(seen.lastUsed).toEqual({
      never: 2, // 'never used' and the managed one
      under7Days: 3, // 'under 7 days', the admin's and the auditor's logins
      under30Days: 1, // 'exactly 7 days'
      under90Days: 2, // 'exactly 30 days', 'just under 90 days'
      older: 2, // 'exactly 90 days', Bea's login
    });

    // All-read without managed-read: the managed PAT is not counted, as it is not listed.
    expect((await overview(t, auditor.token)).lastUsed.never).toBe(1);
  });

  it('counts live PATs expiring in each of the 12 weeks from today (UTC)', async () => {
    const t = await startTestApp(); // 2026-01-15T10:00Z, a Thursday
    const owner = t.admin.identity.id;
    const bea = await t.user({ name: 'Bea' });
    await pat(t, owner, 'expired an hour ago', '2026-01-15T11:00:00.000Z');
    await pat(t, owner, 'first moment after now', '2026-01-15T12:00:00.001Z');
    await pat(t, owner, 'last moment of week 1', '2026-01-21T23:59:59.999Z');
    await pat(t, owner, 'first moment of week 2', '2026-01-22T00:00:00.000Z');
    await pat(t, bea.identity.id, "Bea's, week 4", '2026-02-06T08:00:00.000Z');
    const deleted = await pat(t, owner, 'deleted, week 3', '2026-01-30T00:00:00.000Z');
    await t.services.pats.delete(SYSTEM, deleted.id);
    await pat(t, owner, 'last moment of week 12', '2026-04-08T23:59:59.999Z');
    await pat(t, owner, 'first moment after week 12', '2026-04-09T00:00:00.000Z');
    t.clock.set('2026-01-15T12:00:00.000Z');

    const { expiringPerWeek } = await overview(t, t.admin.token);
    expect(expiringPerWeek).toEqual([
      { weekStart: '2026-01-15', count: 2 },
      { weekStart: '2026-01-22', count: 1 },
      { weekStart: '2026-01-29', count: 0 },
      { weekStart: '2026-02-05', count: 1 },
      { weekStart: '2026-02-12', count: 0 },
      { weekStart: '2026-02-19', count: 0 },
      { weekStart: '2026-02-26', count: 0 },
      { weekStart: '2026-03-05', count: 0 },
      { weekStart: '2026-03-12', count: 0 },
      { weekStart: '2026-03-19', count: 0 },
      { weekStart: '2026-03-26', count: 0 },
      { weekStart: '2026-04-02', count: 1 },
    ]);
  });

  it('counts successful and failed exchanges per UTC day for 30 days, today last, idle days as zeros', async () => {
    const t = await startTestApp(); // the admin's login is used at 2026-01-15T10:00Z
    const bea = await t.user({ name: 'Bea' }); // and Bea's, at the same time
    const ci = await pat(t, bea.identity.id, 'ci');
    await failedExchange(t, ci.id, '2026-01-14T23:59:59.999Z'); // the day before the window
    await exchange(t, ci, '2026-01-20T23:59:59.999Z');
    await failedExchange(t, ci.id, '2026-01-20T23:59:59.999Z');
    await failedExchange(t, UNKNOWN_ID, '2026-01-20T23:59:59.999Z');
    // The same failure again in that minute shares the first one's audit row: still counted.
    await failedExchange(t, UNKNOWN_ID, '2026-01-20T23:59:59.999Z');
    await t.services.repeatedFailures.flush();
    // Next day, within 24 hours of the last use: the exchange succeeds but writes no _USED event
    // (lastUsed is written at most once a day), so it is not counted again.
    await exchange(t, ci, '2026-01-21T00:00:00.000Z');
    await failedExchange(t, ci.id, '2026-01-21T00:00:00.000Z');
    t.clock.set('2026-02-13T12:00:00.000Z');
    const token = await t.accessToken(t.admin.patId, t.admin.secret); // used today

    const { exchangesPerDay } = await overview(t, token);
    expect(exchangesPerDay).toHaveLength(30);
    expect(exchangesPerDay[0]?.day).toBe('2026-01-15');
    expect(exchangesPerDay[29]?.day).toBe('2026-02-13');
    const active = exchangesPerDay.filter((d) => d.succeeded > 0 || d.failed > 0);
    expect(active).toEqual([
      { day: '2026-01-15', succeeded: 2, failed: 0 },
      { day: '2026-01-20', succeeded: 1, failed: 3 },
      { day: '2026-01-21', succeeded: 0, failed: 1 },
      { day: '2026-02-13', succeeded: 1, failed: 0 },
    ]);
    // Every other day of the window is there, with zeros, one a day in order.
    const days = exchangesPerDay.map((d) => d.day);
    expect(days).toEqual(
      Array.from({ length: 30 }, (_, i) => iso(Date.parse('2026-01-15') + i * DAY_MS).slice(0, 10)),
    );
    expect(exchangesPerDay[1]).toEqual({ day: '2026-01-16', succeeded: 0, failed: 0 });
  });

  it('is refused with 403 to a USER, naming the all-read right, and changes nothing', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Una User' });
    await expectRefused(t, () => t.request({ method: 'GET', url: OVERVIEW, token: user.token }), [
      403,
      '403 Forbidden',
      'Reading the overview needs the right sp:all-personal-access-tokens:read',
    ]);
  });

  it('is in /openapi.json with its operation id, tag and response schema', async () => {
    const t = await startTestApp();
    const doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, { required?: string[] }> };
    }>();
    const get = doc.paths[OVERVIEW]?.get;
    expect(get).toMatchObject({
      operationId: 'getOverview',
      tags: ['Administration'],
      responses: {
        200: {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Overview' } } },
        },
      },
    });
    expect(doc.components.schemas.Overview?.required?.sort()).toEqual([
      'exchangesPerDay',
      'expiringPerWeek',
      'federatedExchangesPerDay',
      'generatedAt',
      'lastUsed',
    ]);
  });
});
