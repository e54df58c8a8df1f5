import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { expectRefused, PAT_SURFACES, startTestApp, V3, type TestApp } from '../helpers.js';

const names = (res: LightMyRequestResponse) => res.json<{ name: string }[]>().map((p) => p.name);

/**
 * Four PATs of the admin with distinct created and lastUsed times (lastUsed is written on
 * exchange, at most once a day, so the clock moves days between exchanges):
 *
 *   name   created               lastUsed
 *   login  2026-01-15T10:00:00Z  2026-01-25T11:00:00Z (the exchange that makes `token`)
 *   never  2026-01-15T10:00:01Z  null
 *   early  2026-01-15T10:00:02Z  2026-01-20T10:00:00Z
 *   late   2026-01-15T10:00:03Z  2026-01-25T10:00:00Z
 */
async function lastUsedFixture(t: TestApp): Promise<string> {
  const ownerId = t.admin.identity.id;
  t.clock.advance(1000);
  await t.mintPat(ownerId, { name: 'never' });
  t.clock.advance(1000);
  const early = await t.mintPat(ownerId, { name: 'early' });
  t.clock.advance(1000);
  const late = await t.mintPat(ownerId, { name: 'late' });
  t.clock.set('2026-01-20T10:00:00.000Z');
  await t.accessToken(early.id, early.secret);
  t.clock.set('2026-01-25T10:00:00.000Z');
  await t.accessToken(late.id, late.secret);
  t.clock.set('2026-01-25T11:00:00.000Z');
  return t.accessToken(t.admin.patId, t.admin.secret);
}

function list(t: TestApp, token: string, query: string, base = V3) {
  return t.request({ method: 'GET', url: `${base}?owner-id=me&${query}`, token });
}

const filter = (expression: string) => `filters=${encodeURIComponent(expression)}`;

describe('GET personal-access-tokens: filters', () => {
  it.each([
    ['lastUsed isnull', ['never']],
    ['lastUsed le 2026-01-20T10:00:00.000Z', ['early']],
    ['lastUsed le 2026-01-20T09:59:59.999Z', []],
    ['lastUsed le 2026-01-25T10:00:00Z', ['early', 'late']],
    ['lastUsed le 2026-01-25T11:00:00+01:00', ['early', 'late']],
    ['lastUsed le 2026-01-25T10:00:00-01:00', ['login', 'early', 'late']],
    ['lastUsed le "2026-01-20T10:00:00.000Z"', ['early']],
    ['lastUsed IsNull or lastUsed LE 2026-01-20T10:00:00Z', ['never', 'early']],
    ['not lastUsed isnull', ['login', 'early', 'late']],
    ['not (lastUsed le 2026-01-25T10:00:00Z)', ['login', 'never']],
    ['lastUsed isnull and lastUsed le 2026-01-25T10:00:00Z', []],
    [
      '(lastUsed isnull or lastUsed le 2026-01-25T10:00:00Z) and not lastUsed le 2026-01-20T10:00:00Z',
      ['never', 'late'],
    ],
    ['not (not lastUsed isnull)', ['never']],
  ])('%s', async (expression, expected) => {
    const t = await startTestApp();
    const token = await lastUsedFixture(t);

    const res = await list(t, token, `${filter(expression)}&count=true`);

    expect(res.statusCode).toBe(200);
    expect(names(res)).toEqual(expected);
    expect(res.headers['x-total-count']).toBe(String(expected.length));
  });

  it.each(PAT_SURFACES)('%s filters, sorts and pages the same way', async (base) => {
    const t = await startTestApp();
    const token = await lastUsedFixture(t);

    const res = await list(
      t,
      token,
      `${filter('not lastUsed le 2026-01-20T10:00:00Z')}&sorters=-name&limit=2&offset=1&count=true`,
      base,
    );

    expect(res.statusCode).toBe(200);
    expect(names(res)).toEqual(['login', 'late']);
    expect(res.headers['x-total-count']).toBe('3');
  });

  it('applies filters across owners when owner-id is absent', async () => {
    const t = await startTestApp();
    t.clock.advance(1000);
    const uma = await t.user({ name: 'Uma User' });
    t.clock.advance(1000);
    await t.mintPat(uma.identity.id, { name: 'unused' });
    await t.mintPat(t.admin.identity.id, { name: 'admin-unused' });

    const res = await t.request({
      method: 'GET',
      url: `${V3}?${filter('lastUsed isnull')}&sorters=name`,
      token: t.admin.token,
    });

    expect(res.statusCode).toBe(200);
    expect(
      res.json<{ name: string; owner: { id: string } }[]>().map((p) => [p.owner.id, p.name]),
    ).toEqual([
      [t.admin.identity.id, 'admin-unused'],
      [uma.identity.id, 'unused'],
    ]);
  });

  it.each([
    ['name eq login', "Invalid filter: unknown field 'name'; supported fields: lastUsed"],
    // Field names are case-sensitive.
    ['LASTUSED isnull', "Invalid filter: unknown field 'LASTUSED'; supported fields: lastUsed"],
    [
      'lastUsed eq 2026-01-20T10:00:00Z',
      "Invalid filter: operator 'eq' is not supported for field 'lastUsed'; supported: le, isnull",
    ],
    [
      'lastUsed gt 2026-01-20T10:00:00Z',
      "Invalid filter: operator 'gt' is not supported for field 'lastUsed'; supported: le, isnull",
    ],
    [
      'lastUsed before 2026-01-20T10:00:00Z',
      "Invalid filter: unknown operator 'before' at position 10; supported for 'lastUsed': le, isnull",
    ],
    [
      'lastUsed isnull and',
      "Invalid filter: expected a field name or '(' at position 20, found end of input",
    ],
    [
      '(lastUsed isnull',
      "Invalid filter: expected ')' at position 17 to close '(' at position 1, found end of input",
    ],
    ['lastUsed isnull)', "Invalid filter: unexpected ')' at position 16"],
    [
      'lastUsed le yesterday',
      "Invalid filter: value 'yesterday' for field 'lastUsed' at position 13 is not an RFC 3339 date-time, e.g. 2023-02-05T10:59:27.214Z",
    ],
    [
      'lastUsed le 2026-01-20T10:00:00',
      "Invalid filter: value '2026-01-20T10:00:00' for field 'lastUsed' at position 13 has no timezone; add Z or an offset such as +02:00",
    ],
    ['', 'Invalid filter: the expression is empty'],
  ])('refuses %j with a 400 and the parser’s message', async (expression, text) => {
    const t = await startTestApp();

    await expectRefused(t, () => list(t, t.admin.token, filter(expression)), [
      400,
      '400.1 Bad Request Content',
      text,
    ]);
  });

  it('reads an unencoded + in a date as a space, and says so', async () => {
    const t = await startTestApp();

    // A client that forgets to URL-encode `+02:00` sends a space instead.
    await expectRefused(
      t,
      () => list(t, t.admin.token, 'filters=lastUsed%20le%202026-01-20T10:00:00+02:00'),
      [
        400,
        '400.1 Bad Request Content',
        "Invalid filter: value '2026-01-20T10:00:00' for field 'lastUsed' at position 13 has no timezone; add Z or an offset such as +02:00",
      ],
    );
  });
});

describe('GET personal-access-tokens: sorters', () => {
  it.each([
    ['', ['login', 'never', 'early', 'late']],
    ['created', ['login', 'never', 'early', 'late']],
    ['-created', ['late', 'early', 'never', 'login']],
    ['name', ['early', 'late', 'login', 'never']],
    ['-name', ['never', 'login', 'late', 'early']],
    ['lastUsed', ['early', 'late', 'login', 'never']],
    ['-lastUsed', ['login', 'late', 'early', 'never']],
  ])('sorters=%s', async (sorters, expected) => {
    const t = await startTestApp();
    const token = await lastUsedFixture(t);

    const res = await list(t, token, sorters === '' ? '' : `sorters=${sorters}`);

    expect(res.statusCode).toBe(200);
    expect(names(res)).toEqual(expected);
  });

  it('sorters=expirationDate and -expirationDate put never-expiring PATs last', async () => {
    const t = await startTestApp({ config: { policy: { allowNeverExpiring: true } } });
    const ownerId = t.admin.identity.id;
    // login expires 2026-07-15 (created + 6 months).
    await t.mintPat(ownerId, { name: 'forever', userAwareTokenNeverExpires: true });
    await t.mintPat(ownerId, { name: 'march', expirationDate: '2026-03-01T00:00:00.000Z' });
    await t.mintPat(ownerId, { name: 'february', expirationDate: '2026-02-01T00:00:00.000Z' });

    const ascending = await list(t, t.admin.token, 'sorters=expirationDate');
    const descending = await list(t, t.admin.token, 'sorters=-expirationDate');

    expect(names(ascending)).toEqual(['february', 'march', 'login', 'forever']);
    expect(names(descending)).toEqual(['login', 'march', 'february', 'forever']);
  });

  it('sorts by several fields: -lastUsed,name', async () => {
    const t = await startTestApp();
    const ownerId = t.admin.identity.id;
    const pats = [];
    for (const name of ['d', 'b', 'c', 'a']) pats.push(await t.mintPat(ownerId, { name }));
    const [d, b] = pats;
    if (!d || !b) throw new Error('fixture');
    t.clock.set('2026-01-20T10:00:00.000Z');
    await t.accessToken(d.id, d.secret);
    await t.accessToken(b.id, b.secret);
    t.clock.set('2026-01-21T10:00:00.000Z');
    const token = await t.accessToken(t.admin.patId, t.admin.secret);

    const res = await list(t, token, 'sorters=-lastUsed,name');
    const spaced = await list(t, token, `sorters=${encodeURIComponent(' -lastUsed , name ')}`);

    // login (01-21), then b and d (01-20, by name), then the never-used a and c (by name).
    expect(names(res)).toEqual(['login', 'b', 'd', 'a', 'c']);
    expect(names(spaced)).toEqual(['login', 'b', 'd', 'a', 'c']);
  });

  it.each([
    [
      'owner',
      "Invalid sorters: unknown field 'owner'; sortable: name, created, lastUsed, expirationDate",
    ],
    [
      '-id',
      "Invalid sorters: unknown field 'id'; sortable: name, created, lastUsed, expirationDate",
    ],
    [
      'name,Created',
      "Invalid sorters: unknown field 'Created'; sortable: name, created, lastUsed, expirationDate",
    ],
  ])('refuses sorters=%s with a 400 naming sorters', async (sorters, text) => {
    const t = await startTestApp();

    await expectRefused(t, () => list(t, t.admin.token, `sorters=${sorters}`), [
      400,
      '400.1 Bad Request Content',
      text,
    ]);
  });
});
