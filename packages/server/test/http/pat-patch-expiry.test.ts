import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
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
 * PATCH of /expirationDate and /userAwareTokenNeverExpires under each version's rules
 * (docs/rules.md, "Expiry"). The PATs below are made at the start clock, so their maximum expiry is
 * MAX_EXPIRY.
 */
const SHORT = '2026-03-01T00:00:00.000Z';

function patch(t: TestApp, url: string, id: string, json: unknown) {
  return t.request({ method: 'PATCH', url: `${url}/${id}`, token: t.admin.token, json });
}

/** An admin PAT expiring at SHORT, made at the start clock. */
async function shortPat(t: TestApp) {
  return t.mintPat(t.admin.identity.id, { name: 'Short', expirationDate: SHORT });
}

/** Moves the clock, and gives the admin an access token that is valid then (12 h tokens). */
async function advance(t: TestApp, ms: number) {
  t.clock.advance(ms);
  t.admin.token = await t.accessToken(t.admin.patId, t.admin.secret);
}

const replaceDate = (value: unknown) => [{ op: 'replace', path: '/expirationDate', value }];
const neverExpires = [
  { op: 'remove', path: '/expirationDate' },
  { op: 'replace', path: '/userAwareTokenNeverExpires', value: true },
];

describe('PATCH expiry on v3, beta, v2024, v2025', () => {
  it.each(DEFAULTED_SURFACES)(
    '%s: null means created + 6 months, not now + 6 months',
    async (url) => {
      const t = await startTestApp();
      const { id } = await shortPat(t);
      await advance(t, 10 * DAY_MS);
      for (const operations of [replaceDate(null), [{ op: 'remove', path: '/expirationDate' }]]) {
        const response = await patch(t, url, id, operations);
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({
          expirationDate: MAX_EXPIRY,
          userAwareTokenNeverExpires: false,
        });
      }
    },
  );
});

describe('PATCH expiry on v2026 and v1', () => {
  it.each(EXPLICIT_SURFACES)(
    '%s refuses removing the date without userAwareTokenNeverExpires',
    async (url) => {
      const t = await startTestApp();
      const { id } = await shortPat(t);
      for (const operations of [replaceDate(null), [{ op: 'remove', path: '/expirationDate' }]]) {
        await expectRefused(t, () => patch(t, url, id, operations), [
          400,
          MISSING,
          "'expirationDate' is required unless 'userAwareTokenNeverExpires' is true",
        ]);
      }
    },
  );
});

describe('PATCH expiry in every version', () => {
  it.each(PAT_SURFACES)(
    '%s replaces the date within the bounds counted from creation',
    async (url) => {
      const t = await startTestApp();
      const { id } = await shortPat(t);
      await advance(t, 30 * DAY_MS);
      const later = await patch(t, url, id, replaceDate('2026-05-01T00:00:00Z'));
      expect(later.statusCode).toBe(200);
      expect(later.json()).toMatchObject({ expirationDate: '2026-05-01T00:00:00.000Z' });
      const max = await patch(t, url, id, replaceDate(MAX_EXPIRY));
      expect(max.statusCode).toBe(200);
      expect(max.json()).toMatchObject({ expirationDate: MAX_EXPIRY });
    },
  );

  it.each(PAT_SURFACES)('%s refuses a date past created + 6 months', async (url) => {
    const t = await startTestApp();
    const { id } = await shortPat(t);
    await advance(t, 30 * DAY_MS);
    await expectRefused(t, () => patch(t, url, id, replaceDate('2026-07-15T10:00:00.001Z')), [
      400,
      ILLEGAL,
      `'expirationDate' must be no later than ${MAX_EXPIRY} (6 months after creation)`,
    ]);
  });

  it.each(PAT_SURFACES)('%s refuses now and the past', async (url) => {
    const t = await startTestApp();
    const { id } = await shortPat(t);
    await advance(t, DAY_MS);
    for (const date of ['2026-01-16T10:00:00.000Z', '2026-01-15T12:00:00Z']) {
      await expectRefused(t, () => patch(t, url, id, replaceDate(date)), [
        400,
        ILLEGAL,
        "'expirationDate' must be in the future",
      ]);
    }
  });

  it.each(
    PAT_SURFACES.flatMap((url) =>
      ['2026-02-30T00:00:00Z', '2026-02-20T24:00:00Z', 'tomorrow', '2026-02-20T00:00:00', 5].map(
        (value) => [url, value] as const,
      ),
    ),
  )('%s refuses the bad date %j, naming expirationDate', async (url, value) => {
    const t = await startTestApp();
    const { id } = await shortPat(t);
    await expectRefused(t, () => patch(t, url, id, replaceDate(value)), [
      400,
      ILLEGAL,
      "'expirationDate' must be an RFC 3339 date-time or null",
    ]);
  });

  it.each(PAT_SURFACES)('%s honours policy maxLifetimeMonths 1', async (url) => {
    const t = await startTestApp({ config: { policy: { maxLifetimeMonths: 1 } } });
    const { id } = await t.mintPat(t.admin.identity.id, {
      name: 'Short',
      expirationDate: '2026-02-01T00:00:00Z',
    });
    await expectRefused(t, () => patch(t, url, id, replaceDate('2026-02-15T10:00:00.001Z')), [
      400,
      ILLEGAL,
      "'expirationDate' must be no later than 2026-02-15T10:00:00.000Z (1 month after creation)",
    ]);
    const ok = await patch(t, url, id, replaceDate('2026-02-15T10:00:00.000Z'));
    expect(ok.statusCode).toBe(200);
  });

  it.each(PAT_SURFACES)('%s refuses never-expiring under the default policy', async (url) => {
    const t = await startTestApp();
    const { id } = await shortPat(t);
    await expectRefused(t, () => patch(t, url, id, neverExpires), [
      400,
      ILLEGAL,
      NEVER_EXPIRING_REFUSED,
    ]);
  });

  it.each(PAT_SURFACES)('%s makes a PAT never-expiring when the policy allows', async (url) => {
    const t = await startTestApp({ config: { policy: { allowNeverExpiring: true } } });
    const { id } = await shortPat(t);
    const response = await patch(t, url, id, neverExpires);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      expirationDate: null,
      userAwareTokenNeverExpires: true,
    });
  });

  it.each(PAT_SURFACES)('%s refuses userAwareTokenNeverExpires true beside a date', async (url) => {
    const t = await startTestApp({ config: { policy: { allowNeverExpiring: true } } });
    const { id } = await shortPat(t);
    await expectRefused(
      t,
      () =>
        patch(t, url, id, [{ op: 'replace', path: '/userAwareTokenNeverExpires', value: true }]),
      [400, ILLEGAL, NEVER_EXPIRING_WITH_DATE],
    );
  });

  it.each(PAT_SURFACES)('%s gives a never-expiring PAT a date again', async (url) => {
    const t = await startTestApp({ config: { policy: { allowNeverExpiring: true } } });
    const { id } = await t.mintPat(t.admin.identity.id, {
      name: 'Forever',
      userAwareTokenNeverExpires: true,
    });
    const response = await patch(t, url, id, [
      { op: 'replace', path: '/userAwareTokenNeverExpires', value: false },
      { op: 'add', path: '/expirationDate', value: SHORT },
    ]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      expirationDate: SHORT,
      userAwareTokenNeverExpires: false,
    });
  });

  it('refuses a non-boolean userAwareTokenNeverExpires', async () => {
    const t = await startTestApp();
    const { id } = await shortPat(t);
    await expectRefused(
      t,
      () =>
        patch(t, EXPLICIT_SURFACES[0], id, [
          { op: 'replace', path: '/userAwareTokenNeverExpires', value: 'yes' },
        ]),
      [400, ILLEGAL, "'userAwareTokenNeverExpires' must be a boolean"],
    );
  });

  it('a PAT moved to an earlier expiry stops working then', async () => {
    const t = await startTestApp();
    const { id, secret } = await t.mintPat(t.admin.identity.id, { name: 'Soon' });
    const soon = '2026-01-20T00:00:00.000Z';
    expect((await patch(t, EXPLICIT_SURFACES[0], id, replaceDate(soon))).statusCode).toBe(200);
    t.clock.set(soon);
    const exchanged = await t.exchange(id, secret);
    expect(exchanged.statusCode).toBe(401);
    expect(exchanged.json()).toMatchObject({ error: 'invalid_client' });
  });
});
