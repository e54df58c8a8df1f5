import { SCIM_SCHEMAS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import {
  expectValid,
  OKTA_CREATE_USER,
  schemaValidators,
  startScim,
  type ScimTest,
} from './scim-setup.js';

/** SCIM Groups and scim.groupRoles (issue 28): Okta's group push, Entra ID's member PATCHes. */

type Json = Record<string, unknown>;
const GROUP_ROLES = {
  scim: { groupRoles: { 'Patina Auditors': ['AUDITOR'], Admins: ['ORG_ADMIN'] } },
};

async function users(s: ScimTest, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    s.t.clock.advance(1000);
    const response = await s.scim('POST', '/Users', {
      ...OKTA_CREATE_USER,
      userName: `member${i}@okta.local`,
      externalId: `ext-${i}`,
    });
    expect(response.statusCode, response.body).toBe(201);
    ids.push(response.json<{ id: string }>().id);
  }
  return ids;
}

const rolesOf = async (s: ScimTest, id: string) =>
  (await s.t.storage.repos.identities.findById(id))!.roles;

const patch = (s: ScimTest, id: string, Operations: unknown[]) =>
  s.scim('PATCH', `/Groups/${id}`, { schemas: [SCIM_SCHEMAS.patchOp], Operations });

describe('SCIM Groups', () => {
  it("Okta's group push: create, add and remove members by value filter, rename; roles follow", async () => {
    const s = await startScim({ config: GROUP_ROLES });
    const { group, user } = await schemaValidators(s);
    const [a, b, c] = (await users(s, 3)) as [string, string, string];
    // Okta pushes the group empty (RFC 7643 §8.4's Group otherwise), then PATCHes its members.
    const created = await s.scim('POST', '/Groups', {
      schemas: [SCIM_SCHEMAS.group],
      displayName: 'Patina Auditors',
      externalId: '00gak46y5hydV6ypn0g3',
      members: [{ value: a, display: 'member0' }],
    });
    expect(created.statusCode, created.body).toBe(201);
    const resource = created.json<Json>();
    expectValid(group, resource);
    const id = resource.id as string;
    expect(await rolesOf(s, a)).toEqual(['AUDITOR', 'USER']);

    const added = await patch(s, id, [
      { op: 'add', path: 'members', value: [{ value: b, display: 'member1' }, { value: c }] },
    ]);
    expect(added.statusCode, added.body).toBe(200);
    expectValid(group, added.json());
    expect((added.json<Json>().members as Json[]).map((m) => m.value).sort()).toEqual(
      [a, b, c].sort(),
    );
    expect(await rolesOf(s, b)).toEqual(['AUDITOR', 'USER']);
    // The User shows its groups.
    const shown = (await s.scim('GET', `/Users/${b}`)).json<Json>();
    expectValid(user, shown);
    expect(shown.groups).toEqual([
      expect.objectContaining({ value: id, display: 'Patina Auditors' }),
    ]);

    const removed = await patch(s, id, [{ op: 'remove', path: `members[value eq "${b}"]` }]);
    expect(removed.statusCode, removed.body).toBe(200);
    expect(await rolesOf(s, b)).toEqual(['USER']);
    expect(await rolesOf(s, a)).toEqual(['AUDITOR', 'USER']);

    // Okta renames with replace without path; the new name maps to other roles.
    const renamed = await patch(s, id, [{ op: 'replace', value: { id, displayName: 'Admins' } }]);
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ displayName: 'Admins' });
    expect(await rolesOf(s, a)).toEqual(['ORG_ADMIN', 'USER']);

    const updates = (await s.t.auditEvents('IDENTITY_UPDATED')).filter((e) => e.target_id === a);
    expect(updates.map((e) => JSON.parse(e.details) as Json)).toEqual([
      expect.objectContaining({ roles: ['AUDITOR', 'USER'], via: 'SCIM' }),
      expect.objectContaining({ roles: ['ORG_ADMIN', 'USER'], via: 'SCIM' }),
    ]);

    const deleted = await s.scim('DELETE', `/Groups/${id}`);
    expect(deleted.statusCode).toBe(204);
    expect(await rolesOf(s, a)).toEqual(['USER']);
    expect((await s.scim('GET', `/Groups/${id}`)).statusCode).toBe(404);
  });

  it("Entra ID's member PATCHes (Add/Remove with value arrays), PUT, list with filter", async () => {
    const s = await startScim({ config: GROUP_ROLES });
    const { group } = await schemaValidators(s);
    const [a, b] = (await users(s, 2)) as [string, string];
    const created = await s.scim('POST', '/Groups', {
      schemas: [SCIM_SCHEMAS.group],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Group1DisplayName',
      meta: { resourceType: 'Group' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    expect(
      (await patch(s, id, [{ op: 'Add', path: 'members', value: [{ value: a }, { value: b }] }]))
        .statusCode,
    ).toBe(200);
    const removed = await patch(s, id, [{ op: 'Remove', path: 'members', value: [{ value: a }] }]);
    expect(removed.statusCode, removed.body).toBe(200);
    expect((removed.json<Json>().members as Json[]).map((m) => m.value)).toEqual([b]);
    const filtered = await s.scim(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "group1displayname"')}&excludedAttributes=members`,
    );
    expect(filtered.statusCode, filtered.body).toBe(200);
    const list = filtered.json<{ totalResults: number; Resources: Json[] }>();
    expect(list.totalResults).toBe(1);
    expect(list.Resources[0]).not.toHaveProperty('members');
    const byMember = await s.scim(
      'GET',
      `/Groups?filter=${encodeURIComponent(`members[value eq "${b}"]`)}`,
    );
    expect(byMember.json()).toMatchObject({ totalResults: 1 });

    const put = await s.scim('PUT', `/Groups/${id}`, {
      schemas: [SCIM_SCHEMAS.group],
      displayName: 'Patina Auditors',
      members: [{ value: a }],
    });
    expect(put.statusCode, put.body).toBe(200);
    expectValid(group, put.json());
    expect(await rolesOf(s, a)).toEqual(['AUDITOR', 'USER']);
    expect(await rolesOf(s, b)).toEqual(['USER']);
  });

  it('refuses duplicate names and externalIds (409), unknown members (400), stale versions (412)', async () => {
    const s = await startScim();
    const [a] = (await users(s, 1)) as [string];
    const body = { schemas: [SCIM_SCHEMAS.group], displayName: 'Team', externalId: 'g1' };
    const created = await s.scim('POST', '/Groups', body);
    const id = created.json<{ id: string }>().id;
    const version = created.headers.etag as string;
    const dupName = await s.scim('POST', '/Groups', { ...body, externalId: 'g2' });
    expect(dupName.statusCode).toBe(409);
    expect(dupName.json()).toMatchObject({ scimType: 'uniqueness' });
    const dupExternal = await s.scim('POST', '/Groups', { ...body, displayName: 'Other' });
    expect(dupExternal.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const unknown = await patch(s, id, [
      { op: 'add', path: 'members', value: [{ value: 'f'.repeat(32) }] },
    ]);
    expect(unknown.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    s.t.clock.advance(1000);
    expect(
      (await patch(s, id, [{ op: 'add', path: 'members', value: [{ value: a }] }])).statusCode,
    ).toBe(200);
    const stale = await s.scim(
      'PATCH',
      `/Groups/${id}`,
      {
        schemas: [SCIM_SCHEMAS.patchOp],
        Operations: [{ op: 'remove', path: 'members' }],
      },
      { headers: { 'if-match': version } },
    );
    expect(stale.statusCode).toBe(412);
    expect((await s.scim('GET', `/Groups/${id}`)).json()).toMatchObject({
      members: [{ value: a }],
    });
    const noTarget = await patch(s, id, [{ op: 'remove' }]);
    expect(noTarget.json()).toMatchObject({ status: '400' });
  });
});
