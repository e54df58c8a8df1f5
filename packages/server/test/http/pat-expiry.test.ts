import { describe, expect, it } from 'vitest';
import {
  DEFAULTED_SURFACES,
  expectRefused,
  EXPLICIT_SURFACES,
  ILLEGAL,
  MAX_EXPIRY,
  MISSING,
  NEVER_EXPIRING_REFUSED,
  NEVER_EXPIRING_WITH_DATE,
  PAT_SURFACES,
  startTestApp,
  type TestApp,
} from '../helpers.js';

/**
 * The expiry rules of POST, per API version (docs/rules.md, "Expiry"). The clock starts
 * 2026-01-15T10:00Z.
 */

function post(t: TestApp, url: string, json: unknown, token = t.admin.token) {
  return t.request({ method: 'POST', url, token, json });
}

/** Moves the clock and returns an access token that is valid then (the admin's is not). */
async function setClock(t: TestApp, to: string): Promise<string> {
  t.clock.set(to);
  const { id, secret } = await t.mintPat(t.admin.identity.id, { name: `at ${to}` });
  return t.accessToken(id, secret);
}

/** The Get response of one PAT, through the list. */
async function getPat(t: TestApp, url: string, id: string) {
  const listed = await t.request({
    method: 'GET',
    url: `${url}?owner-id=me`,
    token: t.admin.token,
  });
  expect(listed.statusCode).toBe(200);
  return listed.json<{ id: string }[]>().find((p) => p.id === id);
}

describe('POST expiry on v3, beta, v2024, v2025: absent or null means created + maxLifetime', () => {
  it.each(DEFAULTED_SURFACES)(
    '%s defaults an absent or null expirationDate to +6 months',
    async (url) => {
      const t = await startTestApp();
      const absent = await post(t, url, { name: 'absent' });
      const nulled = await post(t, url, { name: 'null', expirationDate: null });
      expect(absent.statusCode).toBe(200);
      expect(absent.json()).toMatchObject({ expirationDate: MAX_EXPIRY });
      expect(nulled.statusCode).toBe(200);
      expect(nulled.json()).toMatchObject({ expirationDate: MAX_EXPIRY });
      expect(await getPat(t, url, absent.json<{ id: string }>().id)).toMatchObject({
        expirationDate: MAX_EXPIRY,
        userAwareTokenNeverExpires: false,
      });
    },
  );

  it('counts calendar months from the creation time, to the millisecond', async () => {
    const t = await startTestApp();
    const token = await setClock(t, '2026-03-10T08:30:15.250Z');
    const response = await post(t, DEFAULTED_SURFACES[0], { name: 'x' }, token);
    expect(response.json()).toMatchObject({ expirationDate: '2026-09-10T08:30:15.250Z' });
  });

  it('clamps to the last day of a shorter month (Aug 31 + 6 months = Feb 28)', async () => {
    const t = await startTestApp();
    const token = await setClock(t, '2026-08-31T12:00:00.000Z');
    const response = await post(t, DEFAULTED_SURFACES[0], { name: 'x' }, token);
    expect(response.json()).toMatchObject({ expirationDate: '2027-02-28T12:00:00.000Z' });
  });

  it('honours policy maxLifetimeMonths for the default', async () => {
    const t = await startTestApp({ config: { policy: { maxLifetimeMonths: 1 } } });
    const response = await post(t, DEFAULTED_SURFACES[0], { name: 'x' });
    expect(response.json()).toMatchObject({ expirationDate: '2026-02-15T10:00:00.000Z' });
  });
});

describe('POST expiry on v2026 and v1: a date is required unless never-expiring', () => {
  it.each(EXPLICIT_SURFACES)(
    '%s refuses an absent, null or unacknowledged expirationDate',
    async (url) => {
      const t = await startTestApp();
      for (const json of [
        { name: 'x' },
        { name: 'x', expirationDate: null },
        { name: 'x', userAwareTokenNeverExpires: false },
      ]) {
        await expectRefused(t, () => post(t, url, json), [
          400,
          MISSING,
          "'expirationDate' is required unless 'userAwareTokenNeverExpires' is true",
        ]);
      }
    },
  );

  it.each(EXPLICIT_SURFACES)('%s accepts a date in range', async (url) => {
    const t = await startTestApp();
    const response = await post(t, url, { name: 'x', expirationDate: '2026-02-01T00:00:00Z' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ expirationDate: '2026-02-01T00:00:00.000Z' });
  });
});

describe('POST expiry in every version: a given date', () => {
  it.each(PAT_SURFACES)('%s refuses now and the past', async (url) => {
    const t = await startTestApp();
    t.clock.advance(5000);
    for (const date of [
      '2026-01-15T10:00:05.000Z',
      '2026-01-15T10:00:04.999Z',
      '2025-01-01T00:00:00Z',
    ]) {
      await expectRefused(t, () => post(t, url, { name: 'x', expirationDate: date }), [
        400,
        ILLEGAL,
        "'expirationDate' must be in the future",
      ]);
    }
  });

  it.each(PAT_SURFACES)('%s refuses one millisecond past created + 6 months', async (url) => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () => post(t, url, { name: 'x', expirationDate: '2026-07-15T10:00:00.001Z' }),
      [
        400,
        ILLEGAL,
        `'expirationDate' must be no later than ${MAX_EXPIRY} (6 months after creation)`,
      ],
    );
  });

  it.each(PAT_SURFACES)(
    '%s accepts exactly created + 6 months and one ms from now',
    async (url) => {
      const t = await startTestApp();
      const max = await post(t, url, { name: 'max', expirationDate: MAX_EXPIRY });
      expect(max.statusCode).toBe(200);
      expect(max.json()).toMatchObject({ expirationDate: MAX_EXPIRY });
      const soon = await post(t, url, { name: 'soon', expirationDate: '2026-01-15T10:00:00.001Z' });
      expect(soon.statusCode).toBe(200);
      expect(soon.json()).toMatchObject({ expirationDate: '2026-01-15T10:00:00.001Z' });
    },
  );

  it('normalises an offset date to UTC with milliseconds', async () => {
    const t = await startTestApp();
    const response = await post(t, EXPLICIT_SURFACES[0], {
      name: 'x',
      expirationDate: '2026-02-01T12:00:00+02:00',
    });
    expect(response.json()).toMatchObject({ expirationDate: '2026-02-01T10:00:00.000Z' });
  });

  it.each(PAT_SURFACES)('%s honours policy maxLifetimeMonths 1', async (url) => {
    const t = await startTestApp({ config: { policy: { maxLifetimeMonths: 1 } } });
    await expectRefused(
      t,
      () => post(t, url, { name: 'x', expirationDate: '2026-02-15T10:00:00.001Z' }),
      [
        400,
        ILLEGAL,
        "'expirationDate' must be no later than 2026-02-15T10:00:00.000Z (1 month after creation)",
      ],
    );
    const ok = await post(t, url, { name: 'x', expirationDate: '2026-02-15T10:00:00.000Z' });
    expect(ok.statusCode).toBe(200);
  });

  it.each(
    PAT_SURFACES.flatMap((url) =>
      ['2026-02-30T00:00:00Z', 'tomorrow', '2026-02-20T00:00:00', '2026-02-20', ''].map(
        (date) => [url, date] as const,
      ),
    ),
  )('%s refuses the bad date %j, naming expirationDate', async (url, date) => {
    const t = await startTestApp();
    await expectRefused(t, () => post(t, url, { name: 'x', expirationDate: date }), [
      400,
      ILLEGAL,
      "'expirationDate' must be a valid date-time (RFC 3339, e.g. 2026-07-11T18:45:37.098Z)",
    ]);
  });
});

describe('POST expiry in every version: never-expiring PATs', () => {
  it.each(PAT_SURFACES)('%s refuses userAwareTokenNeverExpires by default policy', async (url) => {
    const t = await startTestApp();
    for (const json of [
      { name: 'x', userAwareTokenNeverExpires: true },
      { name: 'x', userAwareTokenNeverExpires: true, expirationDate: null },
    ]) {
      await expectRefused(t, () => post(t, url, json), [400, ILLEGAL, NEVER_EXPIRING_REFUSED]);
    }
  });

  it.each(PAT_SURFACES)('%s grants it when allowNeverExpiring is on', async (url) => {
    const t = await startTestApp({ config: { policy: { allowNeverExpiring: true } } });
    const response = await post(t, url, { name: 'forever', userAwareTokenNeverExpires: true });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ expirationDate: null });
    expect(await getPat(t, url, response.json<{ id: string }>().id)).toMatchObject({
      expirationDate: null,
      userAwareTokenNeverExpires: true,
    });
  });

  it.each(PAT_SURFACES)('%s refuses userAwareTokenNeverExpires true with a date', async (url) => {
    const t = await startTestApp({ config: { policy: { allowNeverExpiring: true } } });
    await expectRefused(
      t,
      () =>
        post(t, url, {
          name: 'x',
          userAwareTokenNeverExpires: true,
          expirationDate: '2026-02-01T00:00:00Z',
        }),
      [400, ILLEGAL, NEVER_EXPIRING_WITH_DATE],
    );
  });

  it('a never-expiring PAT keeps working long after the maximum lifetime', async () => {
    const t = await startTestApp({ config: { policy: { allowNeverExpiring: true } } });
    const created = await post(t, EXPLICIT_SURFACES[0], {
      name: 'forever',
      userAwareTokenNeverExpires: true,
    });
    const { id, secret } = created.json<{ id: string; secret: string }>();
    t.clock.set('2030-01-01T00:00:00.000Z');
    expect((await t.exchange(id, secret)).statusCode).toBe(200);
  });
});
