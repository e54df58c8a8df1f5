import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  expectRefused,
  HEX32,
  ILLEGAL,
  MISSING,
  startTestApp,
  UNKNOWN_ID,
  V3,
  type TestApp,
} from '../helpers.js';

function createFor(t: TestApp, identityId: string, json: unknown, token = t.admin.token) {
  return t.request({
    method: 'POST',
    url: `/patina/v1/identities/${identityId}/personal-access-tokens`,
    token,
    json,
  });
}

interface PatBody {
  id: string;
  secret: string;
  name: string;
  managed?: boolean;
}

describe('POST /patina/v1/identities/{id}/personal-access-tokens', () => {
  it('creates a PAT owned by that identity and answers 200 with the create response', async () => {
    const t = await startTestApp();
    // Bea holds orders:read, so a PAT scoped to it grants something.
    const bea = await t.user({ name: 'Bea Owner', rights: ['orders:read'] });
    t.clock.advance(2000);
    const res = await createFor(t, bea.identity.id, {
      name: 'deploy bot',
      scope: ['orders:read'],
      accessTokenValiditySeconds: 600,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<PatBody>();
    expect(body).toEqual({
      id: expect.stringMatching(HEX32) as unknown,
      secret: expect.stringMatching(/^patina_[0-9A-Za-z]{57}$/) as unknown,
      scope: ['orders:read'],
      name: 'deploy bot',
      owner: { type: 'IDENTITY', id: bea.identity.id, name: 'Bea Owner' },
      created: '2026-01-15T10:00:02.000Z',
      accessTokenValiditySeconds: 600,
      expirationDate: '2026-07-15T10:00:02.000Z',
    });

    // The PAT acts as its owner, not as the administrator who made it.
    const exchanged = await t.exchange(body.id, body.secret);
    expect(exchanged.statusCode).toBe(200);
    expect(exchanged.json()).toMatchObject({ identity_id: bea.identity.id, expires_in: 600 });

    const owned = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=me`,
      token: bea.token,
    });
    expect(owned.json<PatBody[]>().map((p) => p.name)).toEqual(['login', 'deploy bot']);
  });

  it('makes a managed PAT that only holders of managed-read see in lists', async () => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea Owner' });
    const auditor = await t.user({ name: 'Audrey', roles: ['AUDITOR'] });
    t.clock.advance(1000);
    const res = await createFor(t, bea.identity.id, { name: 'platform sync', managed: true });
    expect(res.statusCode).toBe(200);

    const names = async (token: string, query: string) => {
      const list = await t.request({
        method: 'GET',
        url: `${V3}?${query}`,
        token,
      });
      expect(list.statusCode).toBe(200);
      return list.json<PatBody[]>().map((p) => [p.name, p.managed]);
    };
    // ORG_ADMIN holds managed-read.
    expect(await names(t.admin.token, `owner-id=${bea.identity.id}`)).toEqual([
      ['login', false],
      ['platform sync', true],
    ]);
    // all-read alone is not enough; nor is owning it.
    expect(await names(auditor.token, `owner-id=${bea.identity.id}`)).toEqual([['login', false]]);
    expect(await names(bea.token, 'owner-id=me')).toEqual([['login', false]]);

    const withRight = await t.user({
      name: 'Manny',
      roles: ['AUDITOR'],
      rights: ['idn:managed-personal-access-tokens:read'],
    });
    expect(await names(withRight.token, `owner-id=${bea.identity.id}`)).toEqual([
      ['login', false],
      ['platform sync', true],
    ]);
  });

  it('answers 404 for an unknown identity and changes nothing', async () => {
    const t = await startTestApp();
    await expectRefused(t, () => createFor(t, UNKNOWN_ID, { name: 'orphan' }), [
      404,
      '404 Not found',
      `Identity '${UNKNOWN_ID}' was not found`,
    ]);
  });

  it('refuses a USER, even for itself, with 403 and changes nothing', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Una User' });
    await expectRefused(
      t,
      () => createFor(t, user.identity.id, { name: 'mine', managed: true }, user.token),
      [
        403,
        '403 Forbidden',
        'Creating a personal access token for another identity needs the right sp:all-personal-access-tokens:manage',
      ],
    );
  });

  it.each([
    {
      why: 'an owner field',
      body: { name: 'x', owner: { type: 'IDENTITY', id: UNKNOWN_ID } },
      code: '400.1 Bad Request Content',
      text: "Unknown field 'owner': this resource has no such field",
    },
    {
      why: 'a managed flag that is not a boolean',
      body: { name: 'x', managed: 'yes' },
      code: ILLEGAL,
      text: "'managed' must be a boolean",
    },
    {
      why: 'no name',
      body: { managed: true },
      code: MISSING,
      text: "Required 'name' is missing",
    },
  ])('refuses $why with a 400 and changes nothing', async ({ body, code, text }) => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea' });
    await expectRefused(t, () => createFor(t, bea.identity.id, body), [400, code, text]);
  });

  it('does not accept the admin-only managed flag on the owner’s own PAT API', async () => {
    const t = await startTestApp();
    await expectRefused(t, () => t.postPat({ name: 'sneaky', managed: true }), [
      400,
      '400.1 Bad Request Content',
      "Unknown field 'managed': this resource has no such field",
    ]);
  });

  it('lets a DISABLED identity hold a PAT that cannot be exchanged', async () => {
    const t = await startTestApp();
    const created = await t.request({
      method: 'POST',
      url: '/patina/v1/identities',
      token: t.admin.token,
      json: { name: 'Dormant', status: 'DISABLED' },
    });
    expect(created.statusCode).toBe(201);
    const dormant = created.json<{ id: string }>();
    const res = await createFor(t, dormant.id, { name: 'kept for later' });
    expect(res.statusCode).toBe(200);
    const pat = res.json<PatBody & { owner: { id: string } }>();
    expect(pat.owner.id).toBe(dormant.id);

    const patsBefore = await t.snapshot();
    const exchanged = await t.exchange(pat.id, pat.secret);
    expect(exchanged.statusCode).toBe(401);
    expect(exchanged.headers['www-authenticate']).toBe('Basic realm="patina"');
    expect(exchanged.json()).toEqual(BAD_CREDENTIALS);
    // Only the failure is recorded; the PAT itself is untouched.
    expect((await t.snapshot()).pats).toEqual(patsBefore.pats);
    const failures = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(failures.map((e) => [e.target_id, JSON.parse(e.details) as unknown])).toEqual([
      [pat.id, { reason: 'owner_disabled', ownerId: dormant.id }],
    ]);
  });
});
