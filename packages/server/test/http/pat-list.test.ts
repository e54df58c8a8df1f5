import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  expectRefused,
  GET_RESPONSE_KEYS,
  ILLEGAL,
  MAX_EXPIRY,
  NEEDS_ALL_READ,
  NEEDS_ALL_READ_OR_ME,
  PAT_SURFACES,
  START,
  startTestApp,
  V3,
} from '../helpers.js';

const names = (res: LightMyRequestResponse) =>
  res.json<{ name: string; owner: { name: string } }[]>().map((p) => `${p.owner.name}/${p.name}`);

describe('GET personal-access-tokens: owner-id', () => {
  it.each(PAT_SURFACES)(
    '%s?owner-id=me returns the Get shape of the caller’s PATs only',
    async (base) => {
      const t = await startTestApp();
      const other = await t.user({ name: 'Olga Other' });
      t.clock.advance(1000);
      const ci = await t.mintPat(t.admin.identity.id, {
        name: 'ci',
        scope: ['orders:read'],
        accessTokenValiditySeconds: 600,
        expirationDate: '2026-03-01T00:00:00.000Z',
      });

      const res = await t.request({
        method: 'GET',
        url: `${base}?owner-id=me`,
        token: t.admin.token,
      });

      expect(res.statusCode).toBe(200);
      const body = res.json<Record<string, unknown>[]>();
      for (const item of body) expect(Object.keys(item).sort()).toEqual(GET_RESPONSE_KEYS);
      expect(body).toEqual([
        {
          id: t.admin.patId,
          name: 'login',
          scope: ['sp:scopes:all'],
          owner: { type: 'IDENTITY', id: t.admin.identity.id, name: 'Ada Admin' },
          created: START,
          lastUsed: START,
          managed: false,
          accessTokenValiditySeconds: 43200,
          expirationDate: MAX_EXPIRY,
          userAwareTokenNeverExpires: false,
        },
        {
          id: ci.id,
          name: 'ci',
          scope: ['orders:read'],
          owner: { type: 'IDENTITY', id: t.admin.identity.id, name: 'Ada Admin' },
          created: '2026-01-15T10:00:01.000Z',
          lastUsed: null,
          managed: false,
          accessTokenValiditySeconds: 600,
          expirationDate: '2026-03-01T00:00:00.000Z',
          userAwareTokenNeverExpires: false,
        },
      ]);
      expect(res.body).not.toContain(t.admin.secret);
      expect(res.body).not.toContain(ci.secret);
      expect(res.body).not.toContain(other.patId);
      expect(res.body).not.toContain('secret');
    },
  );

  it('owner-id=<own id> behaves as me, even without all-read', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    await t.mintPat(t.admin.identity.id, { name: 'admin-only' });

    const byId = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=${uma.identity.id}`,
      token: uma.token,
    });
    const me = await t.request({ method: 'GET', url: `${V3}?owner-id=me`, token: uma.token });

    expect(byId.statusCode).toBe(200);
    expect(byId.json()).toEqual(me.json());
    expect(names(byId)).toEqual(['Uma User/login']);
  });

  it.each(PAT_SURFACES)('%s: a USER may not list another identity’s PATs (403)', async (base) => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });

    await expectRefused(
      t,
      () =>
        t.request({
          method: 'GET',
          url: `${base}?owner-id=${t.admin.identity.id}`,
          token: uma.token,
        }),
      [403, '403 Forbidden', NEEDS_ALL_READ],
    );
  });

  it('a USER may not list every owner’s PATs when owner-id is absent (403)', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });

    await expectRefused(t, () => t.request({ method: 'GET', url: V3, token: uma.token }), [
      403,
      '403 Forbidden',
      NEEDS_ALL_READ_OR_ME,
    ]);
  });

  it.each([
    ['ORG_ADMIN', 'Ada Admin'],
    ['AUDITOR', 'Aldo Auditor'],
  ])('%s (all-read) lists another identity’s PATs', async (role, name) => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    t.clock.advance(1000);
    await t.mintPat(uma.identity.id, { name: 'uma-ci' });
    const reader = role === 'ORG_ADMIN' ? t.admin : await t.user({ name, roles: [role] });

    const res = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=${uma.identity.id}`,
      token: reader.token,
    });

    expect(res.statusCode).toBe(200);
    expect(names(res)).toEqual(['Uma User/login', 'Uma User/uma-ci']);
  });

  it('with owner-id absent, all-read lists the PATs of every owner', async () => {
    const t = await startTestApp();
    t.clock.advance(1000);
    await t.user({ name: 'Uma User' });
    t.clock.advance(1000);
    const auditor = await t.user({ name: 'Aldo Auditor', roles: ['AUDITOR'] });

    const res = await t.request({ method: 'GET', url: V3, token: auditor.token });

    expect(res.statusCode).toBe(200);
    expect(names(res)).toEqual(['Ada Admin/login', 'Uma User/login', 'Aldo Auditor/login']);
  });

  it('an AUDITOR (all-read only) may list its own with owner-id=me', async () => {
    const t = await startTestApp();
    const auditor = await t.user({ name: 'Aldo Auditor', roles: ['AUDITOR'] });

    const res = await t.request({ method: 'GET', url: `${V3}?owner-id=me`, token: auditor.token });

    expect(res.statusCode).toBe(200);
    expect(names(res)).toEqual(['Aldo Auditor/login']);
  });

  it('a malformed owner-id is a 400 naming owner-id', async () => {
    const t = await startTestApp();

    await expectRefused(
      t,
      () => t.request({ method: 'GET', url: `${V3}?owner-id=abc`, token: t.admin.token }),
      [400, ILLEGAL, "'owner-id' must be 'me' or an identity id (32 hex characters)"],
    );
  });

  it('an unknown identity id lists nothing', async () => {
    const t = await startTestApp();

    const res = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=${'0'.repeat(32)}`,
      token: t.admin.token,
    });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([]);
  });
});

describe('GET personal-access-tokens: managed PATs', () => {
  it('hides managed PATs, even the caller’s own, without managed-read', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    await t.mintPat(uma.identity.id, { name: 'robot', managed: true });

    const res = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=me&count=true`,
      token: uma.token,
    });

    expect(res.statusCode).toBe(200);
    expect(names(res)).toEqual(['Uma User/login']);
    expect(res.headers['x-total-count']).toBe('1');
  });

  it('shows the owner’s managed PAT with a direct idn:managed-read grant', async () => {
    const t = await startTestApp();
    const uma = await t.user({
      name: 'Uma User',
      rights: ['idn:managed-personal-access-tokens:read'],
    });
    t.clock.advance(1000);
    const robot = await t.mintPat(uma.identity.id, { name: 'robot', managed: true });

    const res = await t.request({ method: 'GET', url: `${V3}?owner-id=me`, token: uma.token });

    expect(res.statusCode).toBe(200);
    expect(res.json<{ id: string; managed: boolean }[]>().map((p) => [p.id, p.managed])).toEqual([
      [uma.patId, false],
      [robot.id, true],
    ]);
  });

  it('shows managed PATs to a role that holds managed-read', async () => {
    const t = await startTestApp({
      config: { roles: { ROBOT_KEEPER: ['sp:managed-personal-access-tokens:read'] } },
    });
    const keeper = await t.user({ name: 'Kim Keeper', roles: ['USER', 'ROBOT_KEEPER'] });
    t.clock.advance(1000);
    await t.mintPat(keeper.identity.id, { name: 'robot', managed: true });

    const res = await t.request({ method: 'GET', url: `${V3}?owner-id=me`, token: keeper.token });

    expect(res.statusCode).toBe(200);
    expect(names(res)).toEqual(['Kim Keeper/login', 'Kim Keeper/robot']);
  });

  it('all-read without managed-read does not see other owners’ managed PATs; ORG_ADMIN does', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    t.clock.advance(1000);
    await t.mintPat(uma.identity.id, { name: 'robot', managed: true });
    const auditor = await t.user({ name: 'Aldo Auditor', roles: ['AUDITOR'] });
    const url = `${V3}?owner-id=${uma.identity.id}&count=true`;

    const byAuditor = await t.request({ method: 'GET', url, token: auditor.token });
    const byAdmin = await t.request({ method: 'GET', url, token: t.admin.token });

    expect(names(byAuditor)).toEqual(['Uma User/login']);
    expect(byAuditor.headers['x-total-count']).toBe('1');
    expect(names(byAdmin)).toEqual(['Uma User/login', 'Uma User/robot']);
    expect(byAdmin.headers['x-total-count']).toBe('2');
  });
});

describe('GET personal-access-tokens: paging', () => {
  it.each(PAT_SURFACES)(
    '%s pages with limit and offset, and counts only when asked',
    async (base) => {
      const t = await startTestApp();
      for (const name of ['p1', 'p2', 'p3', 'p4']) {
        t.clock.advance(1000);
        await t.mintPat(t.admin.identity.id, { name });
      }
      const get = (query: string) =>
        t.request({ method: 'GET', url: `${base}?owner-id=me&${query}`, token: t.admin.token });

      const page = await get('limit=2&offset=1&count=true');
      const uncounted = await get('limit=2&offset=1');
      const counted = await get('count=false');
      const past = await get('offset=10&count=true');
      const none = await get('limit=0&count=true');

      expect(page.statusCode).toBe(200);
      expect(names(page)).toEqual(['Ada Admin/p1', 'Ada Admin/p2']);
      expect(page.headers['x-total-count']).toBe('5');
      expect(names(uncounted)).toEqual(['Ada Admin/p1', 'Ada Admin/p2']);
      expect(uncounted.headers['x-total-count']).toBeUndefined();
      expect(counted.headers['x-total-count']).toBeUndefined();
      expect(past.json()).toEqual([]);
      expect(past.headers['x-total-count']).toBe('5');
      expect(none.json()).toEqual([]);
      expect(none.headers['x-total-count']).toBe('5');
    },
  );

  it('returns at most 250 by default and accepts limit=250', async () => {
    const t = await startTestApp({ config: { policy: { maxTokensPerOwner: 300 } } });
    for (let i = 0; i < 250; i++) {
      await t.mintPat(t.admin.identity.id, { name: `pat-${String(i).padStart(3, '0')}` });
    }

    const byDefault = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=me&count=true`,
      token: t.admin.token,
    });
    const explicit = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=me&limit=250&offset=250`,
      token: t.admin.token,
    });

    expect(byDefault.statusCode).toBe(200);
    expect(byDefault.json()).toHaveLength(250);
    expect(byDefault.headers['x-total-count']).toBe('251');
    expect(explicit.statusCode).toBe(200);
    expect(explicit.json()).toHaveLength(1);
  });

  it.each([
    ['limit=251', "Query parameter 'limit' must be <= 250"],
    ['limit=-1', "Query parameter 'limit' must be >= 0"],
    ['limit=x', "Query parameter 'limit' must be an integer"],
    ['offset=-1', "Query parameter 'offset' must be >= 0"],
    ['offset=x', "Query parameter 'offset' must be an integer"],
    ['count=maybe', "Query parameter 'count' must be a boolean"],
  ])('refuses %s with a 400 naming the parameter', async (query, text) => {
    const t = await startTestApp();

    await expectRefused(
      t,
      () => t.request({ method: 'GET', url: `${V3}?owner-id=me&${query}`, token: t.admin.token }),
      [400, ILLEGAL, text],
    );
  });
});
