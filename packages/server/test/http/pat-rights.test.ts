import { describe, expect, it } from 'vitest';
import {
  expectRefused,
  expectSailPointError,
  NEEDS_ALL_READ,
  NEEDS_ALL_READ_OR_ME,
  NEEDS_MY_MANAGE,
  patNotFound,
  startTestApp,
  V3,
  type TestApp,
} from '../helpers.js';

const RENAME = [{ op: 'replace', path: '/name', value: 'renamed' }];

/** The four PAT operations on the caller's own PAT `patId`, in order. */
async function ownOperations(t: TestApp, token: string, patId: string) {
  return {
    list: await t.request({ method: 'GET', url: `${V3}?owner-id=me`, token }),
    create: await t.postPat({ name: 'new' }, token),
    patch: await t.request({ method: 'PATCH', url: `${V3}/${patId}`, token, json: RENAME }),
    delete: await t.request({ method: 'DELETE', url: `${V3}/${patId}`, token }),
  };
}

/** Expects create, patch and delete to be refused with 403 and nothing written. */
async function expectOwnWritesRefused(t: TestApp, token: string, patId: string) {
  const before = await t.snapshot();
  const res = await ownOperations(t, token, patId);
  expect(res.list.statusCode).toBe(200);
  expectSailPointError(res.create, 403, '403 Forbidden', NEEDS_MY_MANAGE.create);
  expectSailPointError(res.patch, 403, '403 Forbidden', NEEDS_MY_MANAGE.change);
  expectSailPointError(res.delete, 403, '403 Forbidden', NEEDS_MY_MANAGE.delete);
  expect(await t.snapshot()).toEqual(before);
}

/** Expects list, create, patch and delete on one's own PATs to succeed. */
async function expectOwnWritesAllowed(t: TestApp, token: string) {
  const list = await t.request({ method: 'GET', url: `${V3}?owner-id=me`, token });
  const create = await t.postPat({ name: 'new' }, token);
  const { id } = create.json<{ id: string }>();
  const patch = await t.request({ method: 'PATCH', url: `${V3}/${id}`, token, json: RENAME });
  const del = await t.request({ method: 'DELETE', url: `${V3}/${id}`, token });
  expect([list.statusCode, create.statusCode, patch.statusCode, del.statusCode]).toEqual([
    200, 200, 200, 204,
  ]);
  expect(patch.json<{ name: string }>().name).toBe('renamed');
}

describe('rights on the PAT API', () => {
  it('without any right, even listing one’s own PATs is 403', async () => {
    const t = await startTestApp();
    // A token minted while the owner was a USER; the rights are read again on every call.
    const nobody = await t.user({ name: 'No Body' });
    expect((await t.patchIdentity(nobody.identity.id, { roles: [] })).statusCode).toBe(200);

    await expectRefused(
      t,
      () => t.request({ method: 'GET', url: `${V3}?owner-id=me`, token: nobody.token }),
      [
        403,
        '403 Forbidden',
        'Listing your personal access tokens needs the right sp:my-personal-access-tokens:read',
      ],
    );
  });

  it.each(['sp:my-personal-access-tokens:read', 'idn:my-personal-access-tokens:read'])(
    'a direct grant of %s lists own PATs but may not create, patch or delete (403)',
    async (right) => {
      const t = await startTestApp();
      const reader = await t.user({ name: 'Rita Reader', roles: [], rights: [right] });

      await expectOwnWritesRefused(t, reader.token, reader.patId);
      const others = await t.request({ method: 'GET', url: V3, token: reader.token });
      expectSailPointError(others, 403, '403 Forbidden', NEEDS_ALL_READ_OR_ME);
    },
  );

  it.each(['sp:my-personal-access-tokens:manage', 'idn:my-personal-access-tokens:manage'])(
    'a direct grant of %s allows list, create, patch and delete on own PATs',
    async (right) => {
      const t = await startTestApp();
      const manager = await t.user({ name: 'Max Manager', roles: [], rights: [right] });

      await expectOwnWritesAllowed(t, manager.token);
    },
  );

  it('my-manage gives nothing over another identity’s PATs', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    const before = await t.snapshot();

    const list = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=${t.admin.identity.id}`,
      token: uma.token,
    });
    const patch = await t.request({
      method: 'PATCH',
      url: `${V3}/${t.admin.patId}`,
      token: uma.token,
      json: RENAME,
    });

    expectSailPointError(list, 403, '403 Forbidden', NEEDS_ALL_READ);
    expectSailPointError(patch, ...patNotFound(t.admin.patId));
    expect(await t.snapshot()).toEqual(before);
  });

  it('the idn: spelling of all-read, granted directly, lists every owner', async () => {
    const t = await startTestApp();
    const reader = await t.user({
      name: 'Rita Reader',
      rights: ['idn:all-personal-access-tokens:read'],
    });

    const res = await t.request({ method: 'GET', url: `${V3}?count=true`, token: reader.token });

    expect(res.statusCode).toBe(200);
    expect(
      res
        .json<{ id: string }[]>()
        .map((p) => p.id)
        .sort(),
    ).toEqual([t.admin.patId, reader.patId].sort());
    expect(res.headers['x-total-count']).toBe('2');
  });

  it('all-manage alone creates one’s own PATs and patches and deletes another’s', async () => {
    const t = await startTestApp({
      config: { roles: { PAT_ADMIN: ['idn:all-personal-access-tokens:manage'] } },
    });
    const patAdmin = await t.user({ name: 'Pat Admin', roles: ['PAT_ADMIN'] });
    const uma = await t.user({ name: 'Uma User' });
    const ci = await t.mintPat(uma.identity.id, { name: 'ci' });

    await expectOwnWritesAllowed(t, patAdmin.token);
    const patch = await t.request({
      method: 'PATCH',
      url: `${V3}/${ci.id}`,
      token: patAdmin.token,
      json: RENAME,
    });
    const del = await t.request({ method: 'DELETE', url: `${V3}/${ci.id}`, token: patAdmin.token });

    expect(patch.statusCode).toBe(200);
    expect(del.statusCode).toBe(204);
  });
});

describe('rights carried by an access token', () => {
  it.each(['sp:my-personal-access-tokens:read', 'idn:my-personal-access-tokens:read'])(
    'a PAT scoped to %s lists but may not write, though its owner is ORG_ADMIN',
    async (scope) => {
      const t = await startTestApp();
      const boss = await t.user({ name: 'Bea Boss', roles: ['ORG_ADMIN'], patScope: [scope] });

      await expectOwnWritesRefused(t, boss.token, boss.patId);
      await expectRefused(t, () => t.request({ method: 'GET', url: V3, token: boss.token }), [
        403,
        '403 Forbidden',
        NEEDS_ALL_READ_OR_ME,
      ]);
    },
  );

  // Issue 21, item 2: every self-service write on the Patina resource, the PAT's own included.
  it.each([
    ['ssf.read', ['ssf.read']],
    ['sp:my-personal-access-tokens:read', []],
    ['orders:read', ['orders:read']],
  ])(
    'a PAT scoped %s may not merge-patch, delete or rotate itself on the Patina resource',
    async (scope, rights) => {
      const t = await startTestApp();
      const robot = await t.user({ name: 'Ivy Robot', rights, patScope: [scope] });
      const url = `/patina/v1/personal-access-tokens/${robot.patId}`;
      const before = await t.snapshot();

      const patch = await t.request({
        method: 'PATCH',
        url,
        token: robot.token,
        json: { name: 'renamed' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      const del = await t.request({ method: 'DELETE', url, token: robot.token });
      const rotate = await t.request({
        method: 'POST',
        url: `${url}/rotate`,
        token: robot.token,
        json: {},
      });

      expectSailPointError(patch, 403, '403 Forbidden', NEEDS_MY_MANAGE.change);
      expectSailPointError(del, 403, '403 Forbidden', NEEDS_MY_MANAGE.delete);
      expectSailPointError(rotate, 403, '403 Forbidden', NEEDS_MY_MANAGE.rotate);
      expect(await t.snapshot()).toEqual(before);
    },
  );

  it('a scope requested at exchange narrows the token the same way', async () => {
    const t = await startTestApp();
    const token = await t.accessToken(
      t.admin.patId,
      t.admin.secret,
      'sp:my-personal-access-tokens:read',
    );

    await expectOwnWritesRefused(t, token, t.admin.patId);
  });

  it('removing a role takes effect at once for outstanding access tokens', async () => {
    const t = await startTestApp();
    const boss = await t.user({ name: 'Bea Boss', roles: ['ORG_ADMIN'] });
    const listAll = () => t.request({ method: 'GET', url: V3, token: boss.token });
    expect((await listAll()).statusCode).toBe(200);

    const demoted = await t.patchIdentity(boss.identity.id, { roles: ['USER'] });
    expect(demoted.statusCode).toBe(200);
    expect(demoted.json<{ roles: string[] }>().roles).toEqual(['USER']);
    const before = await t.snapshot();

    const all = await listAll();
    const deleteOther = await t.request({
      method: 'DELETE',
      url: `${V3}/${t.admin.patId}`,
      token: boss.token,
    });
    const mine = await t.request({ method: 'GET', url: `${V3}?owner-id=me`, token: boss.token });

    expectSailPointError(all, 403, '403 Forbidden', NEEDS_ALL_READ_OR_ME);
    expectSailPointError(deleteOther, ...patNotFound(t.admin.patId));
    expect(await t.snapshot()).toEqual(before);
    expect(mine.statusCode).toBe(200);
  });

  it('removing a direct grant takes effect at once for outstanding access tokens', async () => {
    const t = await startTestApp();
    const reader = await t.user({
      name: 'Rita Reader',
      rights: ['sp:all-personal-access-tokens:read'],
    });
    expect((await t.request({ method: 'GET', url: V3, token: reader.token })).statusCode).toBe(200);

    const revoked = await t.patchIdentity(reader.identity.id, { rights: [] });
    expect(revoked.statusCode).toBe(200);

    await expectRefused(t, () => t.request({ method: 'GET', url: V3, token: reader.token }), [
      403,
      '403 Forbidden',
      NEEDS_ALL_READ_OR_ME,
    ]);
  });

  it('a role added later widens only access tokens minted afterwards', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    await t.patchIdentity(uma.identity.id, { roles: ['ORG_ADMIN'] });

    await expectRefused(t, () => t.request({ method: 'GET', url: V3, token: uma.token }), [
      403,
      '403 Forbidden',
      NEEDS_ALL_READ_OR_ME,
    ]);

    const fresh = await t.accessToken(uma.patId, uma.secret);
    const res = await t.request({ method: 'GET', url: V3, token: fresh });
    expect(res.statusCode).toBe(200);
  });
});
