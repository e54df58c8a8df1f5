import { describe, expect, it } from 'vitest';
import { expectRefused, ILLEGAL, startTestApp, V3 } from '../helpers.js';

/**
 * Input that once reached the database or a library as it was and came back as a 500: each is a
 * 400 naming the parameter, and writes nothing.
 */
const BAD_REQUEST = '400.1 Bad Request Content';

const LISTS = [`${V3}?owner-id=me&`, '/patina/v1/identities?', '/patina/v1/audit-events?'] as const;

describe('offset beyond any list', () => {
  const OFFSET_TOO_LARGE = "Query parameter 'offset' must be <= 2147483647";

  for (const list of LISTS) {
    it.each(['Infinity', '1e20', '1e308', '9223372036854775808'])(
      `${list.split('?')[0]}: offset=%s is a 400 naming offset`,
      async (offset) => {
        const t = await startTestApp();
        await expectRefused(
          t,
          () => t.request({ method: 'GET', url: `${list}offset=${offset}`, token: t.admin.token }),
          [400, ILLEGAL, OFFSET_TOO_LARGE],
        );
      },
    );

    it(`${list.split('?')[0]}: the largest offset is an empty page`, async () => {
      const t = await startTestApp();
      const response = await t.request({
        method: 'GET',
        url: `${list}offset=2147483647&count=true`,
        token: t.admin.token,
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual([]);
      expect(Number(response.headers['x-total-count'])).toBeGreaterThan(0);
    });
  }
});

describe('sorters', () => {
  const list = (sorters: string) => `${V3}?owner-id=me&sorters=${encodeURIComponent(sorters)}`;

  it.each([
    ['name,name', "Invalid sorters: 'name' is given more than once"],
    ['-created,name,created', "Invalid sorters: 'created' is given more than once"],
  ])('refuses a repeated field: %s', async (sorters, text) => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () => t.request({ method: 'GET', url: list(sorters), token: t.admin.token }),
      [400, BAD_REQUEST, text],
    );
  });

  it('refuses name repeated 2,000 times before it reaches the database', async () => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () =>
        t.request({
          method: 'GET',
          url: list(Array(2000).fill('name').join(',')),
          token: t.admin.token,
        }),
      [
        400,
        BAD_REQUEST,
        'Invalid sorters: longer than 200 characters; sortable: name, created, lastUsed, expirationDate, each at most once',
      ],
    );
  });

  it('still takes every field once', async () => {
    const t = await startTestApp();
    const response = await t.request({
      method: 'GET',
      url: list('-lastUsed, name ,expirationDate,-created'),
      token: t.admin.token,
    });
    expect(response.statusCode, response.body).toBe(200);
  });
});

describe('audit-events: a leap second', () => {
  it.each(['from', 'to'])('%s=2016-12-31T23:59:60Z is a 400 naming it', async (parameter) => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () =>
        t.request({
          method: 'GET',
          url: `/patina/v1/audit-events?${parameter}=2016-12-31T23:59:60Z`,
          token: t.admin.token,
        }),
      [
        400,
        ILLEGAL,
        `Query parameter '${parameter}' must be a real date-time (RFC 3339, seconds 00 to 59, e.g. 2026-07-11T18:45:37.098Z)`,
      ],
    );
  });
});

describe('JSON Patch values', () => {
  const TOO_DEEP =
    "Patch operation 0 has a 'value' nested more than 8 deep or with more than 1000 parts";

  function patchRaw(t: Awaited<ReturnType<typeof startTestApp>>, id: string, body: string) {
    return t.app.inject({
      method: 'PATCH',
      url: `${V3}/${id}`,
      headers: {
        authorization: `Bearer ${t.admin.token}`,
        'content-type': 'application/json-patch+json',
      },
      payload: body,
    });
  }

  it.each(['replace', 'add', 'test'])('refuses a %s value nested 12,000 deep', async (op) => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const deep = '['.repeat(12_000) + ']'.repeat(12_000);
    await expectRefused(
      t,
      () => patchRaw(t, pat.id, `[{"op":"${op}","path":"/scope","value":${deep}}]`),
      [400, ILLEGAL, TOO_DEEP],
    );
  });

  it('refuses a value of more than 1000 parts', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const wide = JSON.stringify(Array.from({ length: 1000 }, (_, i) => `s${i}`));
    await expectRefused(
      t,
      () => patchRaw(t, pat.id, `[{"op":"replace","path":"/scope","value":${wide}}]`),
      [400, ILLEGAL, TOO_DEEP],
    );
  });
});
