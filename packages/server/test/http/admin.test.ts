import { describe, expect, it } from 'vitest';
import {
  expectRefused,
  expectSailPointError,
  HEX32,
  ILLEGAL,
  MISSING,
  startTestApp,
  UNKNOWN_ID,
  type TestApp,
} from '../helpers.js';

const IDENTITIES = '/patina/v1/identities';
const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };

interface IdentityBody {
  id: string;
  login: string;
  name: string;
  status: string;
  roles: string[];
  rights: string[];
  created: string;
  modified: string;
}

function createIdentity(t: TestApp, json: unknown, token = t.admin.token) {
  return t.request({ method: 'POST', url: IDENTITIES, token, json });
}

describe('POST /patina/v1/identities', () => {
  it('creates an ACTIVE identity with a login made from its name, answering 201', async () => {
    const t = await startTestApp();
    t.clock.advance(5000);
    const res = await createIdentity(t, { name: 'Ada Lovelace', roles: ['USER'] });
    expect(res.statusCode).toBe(201);
    const body = res.json<IdentityBody>();
    expect(body).toEqual({
      id: expect.stringMatching(HEX32) as unknown,
      login: 'ada.lovelace',
      name: 'Ada Lovelace',
      status: 'ACTIVE',
      roles: ['USER'],
      rights: [],
      created: '2026-01-15T10:00:05.000Z',
      modified: '2026-01-15T10:00:05.000Z',
    });

    const fetched = await t.request({
      method: 'GET',
      url: `${IDENTITIES}/${body.id}`,
      token: t.admin.token,
    });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(body);
  });

  it('keeps an explicit login and direct rights', async () => {
    const t = await startTestApp();
    const res = await createIdentity(t, {
      name: 'Build Robot',
      login: 'robot@ci',
      roles: ['USER'],
      rights: ['orders:read', 'idn:managed-personal-access-tokens:read'],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json<IdentityBody>()).toMatchObject({
      login: 'robot@ci',
      name: 'Build Robot',
      roles: ['USER'],
      rights: ['orders:read', 'idn:managed-personal-access-tokens:read'],
    });
  });

  it('refuses a second identity with the same login as a reference conflict', async () => {
    const t = await startTestApp();
    expect((await createIdentity(t, { name: 'Ada Lovelace', roles: ['USER'] })).statusCode).toBe(
      201,
    );
    await expectRefused(t, () => createIdentity(t, { name: 'ada  lovelace', roles: ['USER'] }), [
      400,
      '400.1.409 Reference conflict',
      "An identity with login 'ada.lovelace' already exists",
    ]);
  });

  it.each([
    {
      why: 'an unknown role',
      body: { name: 'Eve', roles: ['USER', 'WIZARD'] },
      code: ILLEGAL,
      text: "Unknown role 'WIZARD'; known roles: ORG_ADMIN, USER, AUDITOR",
    },
    {
      why: 'an unknown right',
      body: { name: 'Eve', rights: ['orders:delete'] },
      code: ILLEGAL,
      text: "Right 'orders:delete' is not in the scope catalogue; add it to the `scopes` setting of the config file",
    },
    {
      why: 'no name',
      body: { roles: ['USER'] },
      code: MISSING,
      text: "Required 'name' is missing",
    },
    {
      why: 'a blank name',
      body: { name: '   ' },
      code: MISSING,
      text: "'name' is required and must not be empty",
    },
    {
      why: 'an unknown field',
      body: { name: 'Eve', phone: '+44 20 7946 0000' },
      code: '400.1 Bad Request Content',
      text: "Unknown field 'phone': this resource has no such field",
    },
    {
      why: 'an unknown status',
      body: { name: 'Eve', status: 'GONE' },
      code: ILLEGAL,
      text: "'status' must be one of: ACTIVE, DISABLED",
    },
    {
      why: 'roles that are not an array',
      body: { name: 'Eve', roles: 'USER' },
      code: ILLEGAL,
      text: "'roles' must be an array",
    },
  ])('refuses $why with a 400 and changes nothing', async ({ body, code, text }) => {
    const t = await startTestApp();
    await expectRefused(t, () => createIdentity(t, body), [400, code, text]);
  });
});

describe('GET /patina/v1/identities', () => {
  it('pages with limit and offset and counts with count=true', async () => {
    const t = await startTestApp();
    for (const name of ['Bea', 'Cy', 'Dee']) {
      t.clock.advance(1000);
      expect((await createIdentity(t, { name })).statusCode).toBe(201);
    }
    const page = await t.request({
      method: 'GET',
      url: `${IDENTITIES}?limit=2&offset=1&count=true`,
      token: t.admin.token,
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['x-total-count']).toBe('4');
    expect(page.json<IdentityBody[]>().map((i) => i.name)).toEqual(['Bea', 'Cy']);

    const all = await t.request({ method: 'GET', url: IDENTITIES, token: t.admin.token });
    expect(all.statusCode).toBe(200);
    expect(all.headers['x-total-count']).toBeUndefined();
    expect(all.json<IdentityBody[]>().map((i) => i.login)).toEqual(['ada', 'bea', 'cy', 'dee']);
  });

  it('answers 404 for an unknown identity id', async () => {
    const t = await startTestApp();
    const res = await t.request({
      method: 'GET',
      url: `${IDENTITIES}/${UNKNOWN_ID}`,
      token: t.admin.token,
    });
    expectSailPointError(res, 404, '404 Not found', `Identity '${UNKNOWN_ID}' was not found`);
  });
});

describe('PATCH /patina/v1/identities/{id} (merge patch)', () => {
  it('changes name, roles, rights and status and answers with the new identity', async () => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea' });
    t.clock.advance(60_000);
    const res = await t.patchIdentity(bea.identity.id, {
      name: 'Beatrice',
      roles: ['AUDITOR'],
      rights: ['orders:read'],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      ...bea.identity,
      name: 'Beatrice',
      roles: ['AUDITOR'],
      rights: ['orders:read'],
      modified: '2026-01-15T10:01:00.000Z',
    });

    const disabled = await t.patchIdentity(bea.identity.id, { status: 'DISABLED' });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json<IdentityBody>()).toMatchObject({ name: 'Beatrice', status: 'DISABLED' });
    const fetched = await t.request({
      method: 'GET',
      url: `${IDENTITIES}/${bea.identity.id}`,
      token: t.admin.token,
    });
    expect(fetched.json()).toEqual(disabled.json());
  });

  it('refuses a JSON Patch content type with 415 and changes nothing', async () => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () =>
        t.request({
          method: 'PATCH',
          url: `${IDENTITIES}/${t.admin.identity.id}`,
          token: t.admin.token,
          json: { name: 'Renamed' },
          headers: { 'content-type': 'application/json-patch+json' },
        }),
      [
        415,
        '415 Unsupported Media Type',
        'The request Content-Type must be application/merge-patch+json or application/json',
      ],
    );
  });

  it('leaves members the patch does not name as they were', async () => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea', rights: ['orders:read'] });
    const res = await t.patchIdentity(bea.identity.id, { status: 'DISABLED' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ...bea.identity, status: 'DISABLED' });
  });

  it('stops a disabled identity’s access tokens at once, and re-enabling restores them', async () => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea' });
    const list = () =>
      t.request({ method: 'GET', url: '/v3/personal-access-tokens?owner-id=me', token: bea.token });
    expect((await list()).statusCode).toBe(200);
    expect((await t.patchIdentity(bea.identity.id, { status: 'DISABLED' })).statusCode).toBe(200);
    const refused = await list();
    expect(refused.statusCode).toBe(401);
    expect(refused.json<{ error: string }>().error).toMatch(/^JWT validation failed: /);
    expect((await t.patchIdentity(bea.identity.id, { status: 'ACTIVE' })).statusCode).toBe(200);
    expect((await list()).statusCode).toBe(200);
  });

  it.each([
    {
      why: "status 'GONE'",
      body: { status: 'GONE' },
      code: ILLEGAL,
      text: "'status' must be one of: ACTIVE, DISABLED",
    },
    {
      why: 'a member that cannot be patched',
      body: { login: 'bea2' },
      code: '400.1 Bad Request Content',
      text: "Unknown field 'login': this resource has no such field",
    },
    {
      why: 'an unknown role',
      body: { roles: ['ROOT'] },
      code: ILLEGAL,
      text: "Unknown role 'ROOT'; known roles: ORG_ADMIN, USER, AUDITOR",
    },
    {
      why: 'an unknown right',
      body: { rights: ['everything'] },
      code: ILLEGAL,
      text: "Right 'everything' is not in the scope catalogue; add it to the `scopes` setting of the config file",
    },
    {
      why: 'a blank name',
      body: { name: '' },
      code: MISSING,
      text: "'name' is required and must not be empty",
    },
  ])('refuses $why with a 400 and changes nothing', async ({ body, code, text }) => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea' });
    await expectRefused(t, () => t.patchIdentity(bea.identity.id, body), [400, code, text]);
  });

  it('answers 404 for an unknown identity and changes nothing', async () => {
    const t = await startTestApp();
    await expectRefused(t, () => t.patchIdentity(UNKNOWN_ID, { name: 'Nobody' }), [
      404,
      '404 Not found',
      `Identity '${UNKNOWN_ID}' was not found`,
    ]);
  });
});

describe('rights on the admin API', () => {
  const MANAGE = 'Managing identities needs the right sp:all-personal-access-tokens:manage';
  const READ = 'Reading identities needs the right sp:all-personal-access-tokens:read';
  const AUDIT = 'Reading audit events needs the right sp:all-personal-access-tokens:read';
  const PAT_FOR =
    'Creating a personal access token for another identity needs the right sp:all-personal-access-tokens:manage';

  it('refuses a USER every admin route with 403 and changes nothing', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Una User' });
    const adminId = t.admin.identity.id;
    const calls = [
      { method: 'POST', url: IDENTITIES, json: { name: 'Mallory' }, text: MANAGE },
      { method: 'GET', url: IDENTITIES, text: READ },
      { method: 'GET', url: `${IDENTITIES}/${adminId}`, text: READ },
      { method: 'PATCH', url: `${IDENTITIES}/${user.identity.id}`, json: {}, text: MANAGE },
      {
        method: 'POST',
        url: `${IDENTITIES}/${adminId}/personal-access-tokens`,
        json: { name: 'stolen' },
        text: PAT_FOR,
      },
      { method: 'GET', url: '/patina/v1/audit-events', text: AUDIT },
    ] as const;
    const before = await t.snapshot();
    for (const call of calls) {
      const res = await t.request({
        method: call.method,
        url: call.url,
        token: user.token,
        json: 'json' in call ? call.json : undefined,
        headers: call.method === 'PATCH' ? MERGE_PATCH : {},
      });
      expectSailPointError(res, 403, '403 Forbidden', call.text);
    }
    // An identity cannot raise its own roles either.
    const raise = await t.patchIdentity(user.identity.id, { roles: ['ORG_ADMIN'] }, user.token);
    expectSailPointError(raise, 403, '403 Forbidden', MANAGE);
    expect(await t.snapshot()).toEqual(before);
  });

  it('lets an AUDITOR read identities and audit events but not change anything', async () => {
    const t = await startTestApp();
    const auditor = await t.user({ name: 'Audrey', roles: ['AUDITOR'] });
    const adminId = t.admin.identity.id;
    for (const url of [IDENTITIES, `${IDENTITIES}/${adminId}`, '/patina/v1/audit-events']) {
      const res = await t.request({ method: 'GET', url, token: auditor.token });
      expect(res.statusCode).toBe(200);
    }
    const one = await t.request({
      method: 'GET',
      url: `${IDENTITIES}/${adminId}`,
      token: auditor.token,
    });
    expect(one.json()).toEqual(t.admin.identity);

    const before = await t.snapshot();
    expectSailPointError(
      await createIdentity(t, { name: 'Mallory' }, auditor.token),
      403,
      '403 Forbidden',
      MANAGE,
    );
    expectSailPointError(
      await t.patchIdentity(adminId, { status: 'DISABLED' }, auditor.token),
      403,
      '403 Forbidden',
      MANAGE,
    );
    expectSailPointError(
      await t.request({
        method: 'POST',
        url: `${IDENTITIES}/${adminId}/personal-access-tokens`,
        token: auditor.token,
        json: { name: 'stolen' },
      }),
      403,
      '403 Forbidden',
      PAT_FOR,
    );
    expect(await t.snapshot()).toEqual(before);
  });
});
