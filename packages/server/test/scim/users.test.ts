import { RIGHTS, SCIM_MEDIA_TYPE, SCIM_SCHEMAS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import {
  ENTRA_CREATE_USER,
  expectValid,
  OKTA_CREATE_USER,
  RFC_USER,
  schemaValidators,
  startScim,
  type ScimTest,
} from './scim-setup.js';

/** RFC 7644 §3.3–§3.6 on Users, with the bodies Okta and Entra ID send (docs/scim.md). */

type Json = Record<string, unknown>;

async function create(s: ScimTest, body: unknown = OKTA_CREATE_USER): Promise<Json> {
  // One second apart, so lists (oldest first) have one order.
  s.t.clock.advance(1000);
  const response = await s.scim('POST', '/Users', body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Json>();
}

describe('SCIM Users', () => {
  it('publishes ServiceProviderConfig, ResourceTypes and Schemas', async () => {
    const s = await startScim();
    const config = await s.scim('GET', '/ServiceProviderConfig');
    expect(config.statusCode).toBe(200);
    expect(config.headers['content-type']).toBe(`${SCIM_MEDIA_TYPE}; charset=utf-8`);
    expect(config.json()).toMatchObject({
      schemas: [SCIM_SCHEMAS.serviceProviderConfig],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      etag: { supported: true },
      authenticationSchemes: [{ type: 'oauthbearertoken' }],
    });
    const types = (await s.scim('GET', '/ResourceTypes')).json<{ Resources: Json[] }>();
    expect(types.Resources.map((r) => [r.id, r.endpoint, r.schema])).toEqual([
      ['User', '/Users', SCIM_SCHEMAS.user],
      ['Group', '/Groups', SCIM_SCHEMAS.group],
    ]);
    const schemas = (await s.scim('GET', '/Schemas')).json<{ Resources: Json[] }>();
    expect(schemas.Resources.map((r) => r.id)).toEqual([
      SCIM_SCHEMAS.user,
      SCIM_SCHEMAS.enterpriseUser,
      SCIM_SCHEMAS.group,
    ]);
    const one = await s.scim('GET', `/Schemas/${SCIM_SCHEMAS.enterpriseUser}`);
    expect(one.json<Json>().name).toBe('EnterpriseUser');
  });

  it("creates Okta's, Entra ID's and RFC 7643's users, valid under the published schemas", async () => {
    const s = await startScim();
    const { user } = await schemaValidators(s);
    for (const body of [OKTA_CREATE_USER, ENTRA_CREATE_USER, RFC_USER]) {
      const response = await s.scim('POST', '/Users', body);
      expect(response.statusCode, response.body).toBe(201);
      const resource = response.json<Json>();
      expectValid(user, resource);
      expect(response.headers.location).toBe((resource.meta as Json).location);
      expect(response.headers.etag).toBe((resource.meta as Json).version);
    }
    const okta = await s.t.storage.repos.identities.findByLogin('test.user@okta.local');
    expect(okta).toMatchObject({
      name: 'Test User',
      email: 'test.user@okta.local',
      status: 'ACTIVE',
      roles: ['USER'],
      directoryManaged: true,
    });
    const entra = await s.t.storage.repos.identities.findByLogin(ENTRA_CREATE_USER.userName);
    const directory = await s.t.storage.repos.identities.findDirectoryIdentity(entra!.id);
    expect(directory).toMatchObject({
      scimClient: s.t.admin.identity.id,
      externalId: ENTRA_CREATE_USER.externalId,
      employeeNumber: '701984',
      department: 'Tour Operations',
    });
    expect(entra!.name).toBe('givenName familyName');
    const rfc = await s.t.storage.repos.identities.findByLogin('bjensen@example.com');
    expect(rfc).toMatchObject({ name: 'Ms. Barbara J Jensen, III', email: 'bjensen@example.com' });
    const [created] = await s.t
      .auditEvents('IDENTITY_CREATED')
      .then((events) => events.filter((e) => e.target_id === okta!.id));
    expect(created).toMatchObject({ actor_id: s.t.admin.identity.id, actor_name: 'ada' });
    expect(JSON.parse(created!.details)).toMatchObject({
      via: 'SCIM',
      login: 'test.user@okta.local',
    });
  });

  it("finds a user by Okta's and Entra ID's filters, and filters with every operator", async () => {
    const s = await startScim();
    const { user } = await schemaValidators(s);
    const okta = await create(s);
    await create(s, ENTRA_CREATE_USER);
    const last = await create(s, RFC_USER);
    const ids = async (filter: string) => {
      const response = await s.scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<{ Resources: Json[]; totalResults: number; schemas: string[] }>();
      expect(body.schemas).toEqual([SCIM_SCHEMAS.listResponse]);
      for (const resource of body.Resources) expectValid(user, resource);
      return body.Resources.map((r) => r.userName);
    };
    // Okta: userName eq, on a differently cased userName (userName is not caseExact).
    expect(await ids('userName eq "TEST.USER@okta.local"')).toEqual(['test.user@okta.local']);
    // Entra ID: externalId eq (caseExact), and its probe for a userName that does not exist.
    expect(await ids(`externalId eq "${ENTRA_CREATE_USER.externalId}"`)).toEqual([
      ENTRA_CREATE_USER.userName,
    ]);
    expect(await ids(`externalId eq "${ENTRA_CREATE_USER.externalId.toUpperCase()}"`)).toEqual([]);
    expect(await ids('userName eq "nobody@example.com"')).toEqual([]);
    expect(await ids('emails.value ew "@example.com"')).toEqual(['bjensen@example.com']);
    expect(await ids('emails[type eq "work" and value co "okta"]')).toEqual([
      'test.user@okta.local',
    ]);
    expect(await ids('displayName sw "Test"')).toEqual(['test.user@okta.local']);
    expect(await ids('userName ne "bjensen@example.com" and not (externalId pr)')).toEqual([]);
    expect(await ids('externalId pr')).toHaveLength(3);
    expect(await ids('userName eq "bjensen@example.com" or displayName co "User"')).toEqual([
      'test.user@okta.local',
      'bjensen@example.com',
    ]);
    const created = (okta.meta as Json).created as string;
    expect(await ids(`meta.lastModified ge "${created}"`)).toHaveLength(3);
    const newest = (last.meta as Json).lastModified as string;
    expect(await ids(`meta.lastModified gt "${created}"`)).toHaveLength(2);
    expect(await ids(`meta.lastModified ge "${newest}"`)).toEqual(['bjensen@example.com']);
    expect(await ids(`meta.lastModified gt "${newest}"`)).toEqual([]);
    expect(await ids(`meta.lastModified lt "2030-01-01T00:00:00Z"`)).toHaveLength(3);
    expect(await ids(`meta.created le "2000-01-01T00:00:00Z"`)).toEqual([]);
  });

  it('pages with startIndex and count, and projects attributes and excludedAttributes', async () => {
    const s = await startScim();
    for (let i = 0; i < 5; i++) {
      await create(s, {
        ...OKTA_CREATE_USER,
        userName: `user${i}@okta.local`,
        externalId: `ext${i}`,
      });
    }
    const page = (await s.scim('GET', '/Users?startIndex=2&count=2')).json<Json>();
    expect(page).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    expect((page.Resources as Json[]).map((r) => r.userName)).toEqual([
      'user1@okta.local',
      'user2@okta.local',
    ]);
    const none = (await s.scim('GET', '/Users?count=0')).json<Json>();
    expect(none).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    const past = (await s.scim('GET', '/Users?startIndex=9')).json<Json>();
    expect(past).toMatchObject({ totalResults: 5, startIndex: 9, itemsPerPage: 0 });

    const only = (await s.scim('GET', '/Users?attributes=userName,name.givenName&count=1')).json<{
      Resources: Json[];
    }>();
    expect(Object.keys(only.Resources[0]!).sort()).toEqual([
      'id',
      'meta',
      'name',
      'schemas',
      'userName',
    ]);
    expect(only.Resources[0]!.name).toEqual({});
    const without = (
      await s.scim('GET', '/Users?excludedAttributes=groups,emails,name&count=1')
    ).json<{
      Resources: Json[];
    }>();
    expect(without.Resources[0]).not.toHaveProperty('groups');
    expect(without.Resources[0]).not.toHaveProperty('emails');
    expect(without.Resources[0]).toHaveProperty('userName');
    const id = only.Resources[0]!.id as string;
    const one = (await s.scim('GET', `/Users/${id}?attributes=active`)).json<Json>();
    expect(Object.keys(one).sort()).toEqual(['active', 'id', 'meta', 'schemas']);
  });

  it('replaces a user (PUT), with ETags and If-Match', async () => {
    const s = await startScim();
    const { user } = await schemaValidators(s);
    const created = await create(s, RFC_USER);
    const id = created.id as string;
    const version = (created.meta as Json).version as string;
    const got = await s.scim('GET', `/Users/${id}`);
    expect(got.headers.etag).toBe(version);
    expect(
      (await s.scim('GET', `/Users/${id}`, undefined, { headers: { 'if-none-match': version } }))
        .statusCode,
    ).toBe(304);

    s.t.clock.advance(1000);
    const replaced = await s.scim(
      'PUT',
      `/Users/${id}`,
      {
        ...RFC_USER,
        displayName: 'Barbara Jensen',
        name: undefined,
        userName: 'barbara@example.com',
      },
      { headers: { 'if-match': version } },
    );
    expect(replaced.statusCode, replaced.body).toBe(200);
    expectValid(user, replaced.json());
    expect(replaced.json()).toMatchObject({
      userName: 'barbara@example.com',
      displayName: 'Barbara Jensen',
    });
    const newVersion = replaced.headers.etag as string;
    expect(newVersion).not.toBe(version);

    // The old version is stale: 412, nothing changed.
    const stale = await s.scim(
      'PUT',
      `/Users/${id}`,
      { ...RFC_USER, displayName: 'Stale' },
      {
        headers: { 'if-match': version },
      },
    );
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ schemas: [SCIM_SCHEMAS.error], status: '412' });
    const stalePatch = await s.scim(
      'PATCH',
      `/Users/${id}`,
      {
        schemas: [SCIM_SCHEMAS.patchOp],
        Operations: [{ op: 'replace', value: { active: false } }],
      },
      { headers: { 'if-match': version } },
    );
    expect(stalePatch.statusCode).toBe(412);
    const identity = await s.t.storage.repos.identities.findById(id);
    expect(identity).toMatchObject({
      name: 'Barbara Jensen',
      login: 'barbara@example.com',
      status: 'ACTIVE',
    });
    const starred = await s.scim(
      'PUT',
      `/Users/${id}`,
      { ...RFC_USER, displayName: 'Star' },
      {
        headers: { 'if-match': '*' },
      },
    );
    expect(starred.statusCode).toBe(200);
  });

  it('patches with value paths, filters and the enterprise extension', async () => {
    const s = await startScim();
    const { user } = await schemaValidators(s);
    const manager = await create(s, ENTRA_CREATE_USER);
    const created = await create(s, RFC_USER);
    const patched = await s.scim('PATCH', `/Users/${created.id as string}`, {
      schemas: [SCIM_SCHEMAS.patchOp],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'barbara@example.com' },
        { op: 'Add', path: 'name.formatted', value: 'Barbara Jensen' },
        { op: 'Add', path: `${SCIM_SCHEMAS.enterpriseUser}:department`, value: 'Tours' },
        // Entra ID sends the manager as its externalId, as a bare string.
        {
          op: 'Add',
          path: `${SCIM_SCHEMAS.enterpriseUser}:manager`,
          value: ENTRA_CREATE_USER.externalId,
        },
      ],
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const resource = patched.json<Json>();
    expectValid(user, resource);
    expect(resource).toMatchObject({
      displayName: 'Barbara Jensen',
      emails: [{ value: 'barbara@example.com', primary: true }],
      [SCIM_SCHEMAS.enterpriseUser]: { department: 'Tours', manager: { value: manager.id } },
    });
    const directory = await s.t.storage.repos.identities.findDirectoryIdentity(
      created.id as string,
    );
    expect(directory?.managerId).toBe(manager.id);
    // Entra ID's pathless replace naming attributes by path inside its value.
    const entra = await s.scim('PATCH', `/Users/${created.id as string}`, {
      schemas: [SCIM_SCHEMAS.patchOp],
      Operations: [
        {
          op: 'replace',
          value: {
            'name.formatted': 'Barbara J Jensen',
            [`${SCIM_SCHEMAS.enterpriseUser}:employeeNumber`]: '42',
            active: 'True',
          },
        },
      ],
    });
    expect(entra.statusCode, entra.body).toBe(200);
    expect(entra.json()).toMatchObject({
      displayName: 'Barbara J Jensen',
      active: true,
      [SCIM_SCHEMAS.enterpriseUser]: { employeeNumber: '42', department: 'Tours' },
    });
    const renamed = await s.scim('PATCH', `/Users/${created.id as string}`, {
      schemas: [SCIM_SCHEMAS.patchOp],
      Operations: [{ op: 'replace', path: 'displayName', value: 'Babs' }],
    });
    expect(renamed.json()).toMatchObject({ displayName: 'Babs', name: { formatted: 'Babs' } });
    const named = await s.scim('PATCH', `/Users/${created.id as string}`, {
      schemas: [SCIM_SCHEMAS.patchOp],
      Operations: [
        { op: 'replace', value: { name: { givenName: 'Barbara', familyName: 'Jensen' } } },
      ],
    });
    expect(named.json()).toMatchObject({ displayName: 'Barbara Jensen' });
    const removed = await s.scim('PATCH', `/Users/${created.id as string}`, {
      schemas: [SCIM_SCHEMAS.patchOp],
      Operations: [{ op: 'remove', path: `${SCIM_SCHEMAS.enterpriseUser}:manager` }],
    });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(
      (await s.t.storage.repos.identities.findDirectoryIdentity(created.id as string))?.managerId,
    ).toBeNull();
  });
});

describe('SCIM directories', () => {
  it('see only the Users they provisioned, never identities made in Patina', async () => {
    const s = await startScim();
    const created = await create(s);
    const olga = await s.t.user({ name: 'Olga Ops', login: 'olga', roles: ['ORG_ADMIN'] });
    const { secret } = await s.t.mintPat(olga.identity.id, {
      name: 'entra',
      scope: [RIGHTS.scimProvision],
    });
    const other = (method: 'GET' | 'DELETE', path: string) =>
      s.scim(method, path, undefined, { token: secret });
    expect((await other('GET', '/Users')).json()).toMatchObject({ totalResults: 0 });
    expect((await other('GET', `/Users/${created.id as string}`)).statusCode).toBe(404);
    expect((await other('DELETE', `/Users/${created.id as string}`)).statusCode).toBe(404);
    expect((await s.scim('GET', `/Users/${s.t.admin.identity.id}`)).statusCode).toBe(404);
    const filtered = await s.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "ada"')}`,
    );
    expect(filtered.json()).toMatchObject({ totalResults: 0 });
    expect((await s.t.storage.repos.identities.findById(created.id as string))?.status).toBe(
      'ACTIVE',
    );
  });
});
