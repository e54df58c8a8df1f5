import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  expectRefused,
  MAX_EXPIRY,
  PAT_SURFACES,
  START,
  startTestApp,
  type TestApp,
} from '../helpers.js';
import { PATINA_PATS } from './helpers.js';

function get(t: TestApp, url: string, token = t.admin.token) {
  return t.request({ method: 'GET', url, token });
}

describe('the Patina PAT resource', () => {
  it('answers the Get response plus Patina’s fields', async () => {
    const t = await startTestApp();
    const made = await t.request({
      method: 'POST',
      url: PATINA_PATS,
      token: t.admin.token,
      json: { name: 'ci', scope: ['orders:read'], description: 'GitHub Actions' },
    });
    expect(made.statusCode).toBe(200);
    const { id, secret } = made.json<{ id: string; secret: string }>();
    expect(secret).toMatch(/^patina_/);
    const response = await get(t, `${PATINA_PATS}/${id}`);
    expect(response.json()).toStrictEqual({
      id,
      name: 'ci',
      scope: ['orders:read'],
      owner: { type: 'IDENTITY', id: t.admin.identity.id, name: 'Ada Admin' },
      created: START,
      lastUsed: null,
      managed: false,
      accessTokenValiditySeconds: 43200,
      expirationDate: MAX_EXPIRY,
      userAwareTokenNeverExpires: false,
      description: 'GitHub Actions',
      allowedCidrs: null,
      requireDpop: false,
      status: 'ACTIVE',
      lastUsedFrom: [],
      rotatedAt: null,
      previousSecretValidUntil: null,
    });
    // The SailPoint surface shows the same PAT exactly as before: none of Patina's fields.
    const v3 = (await get(t, '/v3/personal-access-tokens')).json<{ id: string }[]>();
    expect(Object.keys(v3.find((p) => p.id === id)!).sort()).toEqual([
      'accessTokenValiditySeconds',
      'created',
      'expirationDate',
      'id',
      'lastUsed',
      'managed',
      'name',
      'owner',
      'scope',
      'userAwareTokenNeverExpires',
    ]);
  });

  it('remembers the last 5 distinct addresses, each written at most once a minute', async () => {
    const t = await startTestApp();
    const { id, secret } = await t.mintPat(t.admin.identity.id, { name: 'roaming', scope: null });
    const from = (ip: string) =>
      t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress: ip,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': `agent ${ip}`,
        },
        payload: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: id,
          client_secret: secret,
        }).toString(),
      });
    for (let i = 1; i <= 6; i++) {
      expect((await from(`192.0.2.${i}`)).statusCode).toBe(200);
      t.clock.advance(1000);
    }
    t.clock.advance(30_000);
    await from('192.0.2.6'); // within a minute of the last: not written again
    const body = (await get(t, `${PATINA_PATS}/${id}`)).json<{ lastUsedFrom: unknown[] }>();
    expect(body.lastUsedFrom).toStrictEqual(
      [6, 5, 4, 3, 2].map((i) => ({
        ip: `192.0.2.${i}`,
        userAgent: `agent 192.0.2.${i}`,
        at: new Date(Date.parse(START) + (i - 1) * 1000).toISOString(),
      })),
    );
    t.clock.advance(60_000);
    await from('192.0.2.6');
    const again = (await get(t, `${PATINA_PATS}/${id}`)).json<{ lastUsedFrom: { at: string }[] }>();
    expect(again.lastUsedFrom[0]?.at).toBe('2026-01-15T10:01:36.000Z');
  });

  it('filters on status, name and managed, with SailPoint’s syntax', async () => {
    const t = await startTestApp();
    await t.mintPat(t.admin.identity.id, {
      name: 'ci-soon',
      scope: null,
      expirationDate: new Date(Date.parse(START) + 3 * DAY_MS).toISOString(),
    });
    await t.mintPat(t.admin.identity.id, { name: 'CI-later', scope: null });
    await t.mintPat(t.admin.identity.id, { name: 'robot', scope: null, managed: true });
    let token = t.admin.token;
    const names = async (filters: string) => {
      const response = await get(
        t,
        `${PATINA_PATS}?filters=${encodeURIComponent(filters)}&sorters=name`,
        token,
      );
      expect(response.statusCode).toBe(200);
      return response.json<{ name: string }[]>().map((p) => p.name);
    };
    expect(await names('status eq "EXPIRING"')).toEqual(['ci-soon']);
    expect(await names('name sw "ci-"')).toEqual(['CI-later', 'ci-soon']);
    expect(await names('name co "LATE"')).toEqual(['CI-later']);
    expect(await names('name eq "robot" or managed eq true')).toEqual(['robot']);
    expect(await names('status eq "ACTIVE" and not (managed eq true)')).toEqual([
      'CI-later',
      'login',
    ]);
    t.clock.advance(3 * DAY_MS);
    token = await t.accessToken(t.admin.patId, t.admin.secret);
    expect(await names('status eq "EXPIRED"')).toEqual(['ci-soon']);
    expect(
      await names('expirationDate le 2026-01-18T10:00:00Z and created ge 2026-01-15T10:00:00Z'),
    ).toEqual(['ci-soon']);
  });

  it('refuses a filter SailPoint’s list does not take there, and an unknown status', async () => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () => get(t, `/v3/personal-access-tokens?filters=${encodeURIComponent('name eq "x"')}`),
      [
        400,
        '400.1 Bad Request Content',
        "Invalid filter: unknown field 'name'; supported fields: lastUsed",
      ],
    );
    await expectRefused(
      t,
      () => get(t, `${PATINA_PATS}?filters=${encodeURIComponent('status eq "GONE"')}`),
      [
        400,
        '400.1 Bad Request Content',
        "Invalid filter: value 'GONE' for field 'status' at position 11 is not one of ACTIVE, EXPIRING, EXPIRED",
      ],
    );
  });

  it('takes a merge patch: null puts a member back to its default', async () => {
    const t = await startTestApp();
    const { id } = await t.mintPat(t.admin.identity.id, { name: 'p', scope: ['orders:read'] });
    const patch = (json: unknown) =>
      t.request({
        method: 'PATCH',
        url: `${PATINA_PATS}/${id}`,
        token: t.admin.token,
        headers: { 'content-type': 'application/merge-patch+json' },
        json,
      });
    const first = await patch({
      description: 'deploys',
      allowedCidrs: ['10.0.0.0/8'],
      name: 'deploy',
    });
    expect(first.json()).toMatchObject({
      name: 'deploy',
      description: 'deploys',
      allowedCidrs: ['10.0.0.0/8'],
      scope: ['orders:read'],
    });
    const second = await patch({ description: null, allowedCidrs: null, scope: null });
    expect(second.json()).toMatchObject({
      name: 'deploy',
      description: '',
      allowedCidrs: null,
      scope: ['sp:scopes:all'],
    });
    await expectRefused(t, () => patch({ name: null }), [
      400,
      '400.1.3 Illegal value',
      "'name' must be a string",
    ]);
    await expectRefused(t, () => patch({ description: 'x'.repeat(1001) }), [
      400,
      '400.1.3 Illegal value',
      "'description' must NOT have more than 1000 characters",
    ]);
  });
});

describe('Patina-Token-Expiration', () => {
  it.each([...PAT_SURFACES, PATINA_PATS, '/patina/v1/audit-events'])(
    'is on every bearer-authenticated answer of %s',
    async (url) => {
      const t = await startTestApp();
      const response = await get(t, url);
      expect(response.statusCode).toBe(200);
      expect(response.headers['patina-token-expiration']).toBe(MAX_EXPIRY);
    },
  );

  it('is on refusals after authentication too, and absent for a never-expiring PAT or without a token', async () => {
    const t = await startTestApp({ config: { policy: { allowNeverExpiring: true } } });
    const denied = await t.request({
      method: 'DELETE',
      url: `${PATINA_PATS}/0123456789abcdef0123456789abcdef`,
      token: t.admin.token,
    });
    expect(denied.statusCode).toBe(404);
    expect(denied.headers['patina-token-expiration']).toBe(MAX_EXPIRY);
    const forever = await t.mintPat(t.admin.identity.id, {
      name: 'forever',
      scope: null,
      userAwareTokenNeverExpires: true,
      expirationDate: null,
    });
    const token = await t.accessToken(forever.id, forever.secret);
    expect((await get(t, PATINA_PATS, token)).headers).not.toHaveProperty(
      'patina-token-expiration',
    );
    expect((await t.app.inject({ method: 'GET', url: PATINA_PATS })).headers).not.toHaveProperty(
      'patina-token-expiration',
    );
  });
});
