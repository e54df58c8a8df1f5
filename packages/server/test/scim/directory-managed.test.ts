import { RIGHTS, SCIM_BASE, SCIM_MEDIA_TYPE, SCIM_SCHEMAS, type Identity } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { ConsoleSignIn } from '../../src/console/sign-in.js';
import { startConsoleApp } from '../console/console-app.js';
import { expectSailPointError, startTestApp, V3, type TestApp } from '../helpers.js';

/**
 * An identity the directory provisions over SCIM takes its name, login and roles from there
 * (issue 28, docs/scim.md): Patina's own API answers a change of them with 409, naming the
 * attribute. Its status (an administrator disabling someone at once), its PATs and offboarding
 * stay Patina's.
 */

const CONFLICT = '409 Conflict';
const owned = (id: string, what: string) =>
  `Identity '${id}' is managed by the directory (SCIM): its ${what} can be changed only there`;

/** A person the directory provisions through /scim/v2/Users, with the SCIM token of an admin. */
async function provisioned(t: TestApp, userName = 'grace@example.com'): Promise<Identity> {
  const token = await t.mintPat(t.admin.identity.id, {
    name: 'okta',
    scope: [RIGHTS.scimProvision],
  });
  const created = await t.app.inject({
    method: 'POST',
    url: `${SCIM_BASE}/Users`,
    headers: { authorization: `Bearer ${token.secret}`, 'content-type': SCIM_MEDIA_TYPE },
    payload: JSON.stringify({
      schemas: [SCIM_SCHEMAS.user],
      userName,
      externalId: '00u1a2b3c4',
      name: { givenName: 'Grace', familyName: 'Hopper' },
      displayName: 'Grace Hopper',
      emails: [{ value: userName, primary: true, type: 'work' }],
      active: true,
    }),
  });
  expect(created.statusCode, created.body).toBe(201);
  const { id } = created.json<{ id: string }>();
  const identity = await t.request({
    method: 'GET',
    url: `/patina/v1/identities/${id}`,
    token: t.admin.token,
  });
  expect(identity.statusCode).toBe(200);
  return identity.json<Identity>();
}

describe('a directory-managed identity through Patina’s own API', () => {
  it('is marked directoryManaged; a Patina-made one is not', async () => {
    const t = await startTestApp();
    const grace = await provisioned(t);
    expect(grace).toMatchObject({ login: 'grace@example.com', directoryManaged: true });
    const ada = await t.request({
      method: 'GET',
      url: `/patina/v1/identities/${t.admin.identity.id}`,
      token: t.admin.token,
    });
    expect(ada.json<Identity>().directoryManaged ?? false).toBe(false);
  });

  it.each([
    [{ name: 'Grace B. Hopper' }, "'name'"],
    [{ roles: ['USER', 'AUDITOR'] }, "'roles'"],
    [{ name: 'Grace B. Hopper', roles: ['ORG_ADMIN'] }, "'name' and 'roles'"],
  ])('refuses %j with 409 naming %s, changing nothing', async (patch, what) => {
    const t = await startTestApp();
    const grace = await provisioned(t);
    const before = await t.snapshot();
    const res = await t.patchIdentity(grace.id, patch);
    expectSailPointError(res, 409, CONFLICT, owned(grace.id, what));
    expect(await t.snapshot()).toEqual(before);
  });

  it('takes members equal to the current values, so a whole form sent back may disable', async () => {
    const t = await startTestApp();
    const grace = await provisioned(t);
    const res = await t.patchIdentity(grace.id, {
      name: grace.name,
      roles: [...grace.roles].reverse(),
      status: 'DISABLED',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: grace.name, status: 'DISABLED' });
  });

  it('may be disabled, given rights and an address by an administrator (security first)', async () => {
    const t = await startTestApp();
    const grace = await provisioned(t);
    const res = await t.patchIdentity(grace.id, {
      status: 'DISABLED',
      rights: [RIGHTS.allRead],
      email: 'grace.hopper@example.com',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'DISABLED',
      rights: [RIGHTS.allRead],
      email: 'grace.hopper@example.com',
      directoryManaged: true,
    });
  });

  it('may be offboarded by an administrator: its PATs revoked, the identity disabled', async () => {
    const t = await startTestApp();
    const grace = await provisioned(t);
    const pat = await t.mintPat(grace.id, { name: 'ci', scope: ['orders:read'] });
    const res = await t.request({
      method: 'POST',
      url: `/patina/v1/identities/${grace.id}/offboard`,
      token: t.admin.token,
      json: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ disabled: true, revoked: [{ id: pat.id }] });
  });

  it('keeps its PATs changeable through the PAT API', async () => {
    const t = await startTestApp();
    const grace = await provisioned(t);
    const pat = await t.mintPat(grace.id, { name: 'ci', scope: ['orders:read'] });
    const res = await t.request({
      method: 'PATCH',
      url: `${V3}/${pat.id}`,
      token: t.admin.token,
      json: [{ op: 'replace', path: '/name', value: 'ci-renamed' }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'ci-renamed' });
  });

  it('leaves a Patina-made identity’s name and roles to Patina', async () => {
    const t = await startTestApp();
    const dev = await t.user({ name: 'Dev', login: 'dev' });
    const res = await t.patchIdentity(dev.identity.id, { name: 'Developer', roles: ['AUDITOR'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Developer', roles: ['AUDITOR'] });
  });

  it('keeps its roles through a console SSO sign-in whose groups would set others', async () => {
    const t = await startConsoleApp();
    const grace = await provisioned(t);
    // The same person signs in to the console through the organisation's OpenID provider.
    const linked = await t.patchIdentity(grace.id, {
      ssoLink: { issuer: 'https://login.example.com', subject: 's1' },
    });
    expect(linked.statusCode, linked.body).toBe(200);
    const { services } = t;
    const signIn = new ConsoleSignIn({
      grant: services.grant,
      identities: services.identities,
      storage: services.storage,
      sessions: services.console.sessions,
      clock: services.clock,
      sso: { ...services.config.sso, groupRoles: { admins: ['ORG_ADMIN'] } },
    });
    const result = await signIn.withSso(
      { iss: 'https://login.example.com', sub: 's1', groups: ['admins'] },
      { ...SYSTEM_CONTEXT.audit, sourceIp: '127.0.0.1' },
    );
    expect('refusal' in result ? result.refusal : 'signed in').toBe('signed in');
    expect((await t.storage.repos.identities.findById(grace.id))?.roles).toEqual(grace.roles);
  });
});
