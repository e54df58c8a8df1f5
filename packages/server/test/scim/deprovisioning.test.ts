import { SCIM_SCHEMAS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { ENTRA_CREATE_USER, OKTA_CREATE_USER, startScim, type ScimTest } from './scim-setup.js';

/**
 * active:false and DELETE end every credential through Patina's one disable path (issue 28):
 * the PAT exchange is refused and an access token of it is refused by the API at once; the
 * audit says SCIM, with the directory's client as the actor.
 */

async function provisionWithToken(s: ScimTest, body: object) {
  const created = await s.scim('POST', '/Users', body);
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json<{ id: string }>().id;
  const pat = await s.t.mintPat(id, { name: 'laptop', scope: null });
  const token = await s.t.accessToken(pat.id, pat.secret);
  expect(
    (
      await s.t.request({
        method: 'GET',
        url: `/patina/v1/personal-access-tokens/${pat.id}`,
        token,
      })
    ).statusCode,
  ).toBe(200);
  return { id, pat, token };
}

async function expectCredentialsEnded(
  s: ScimTest,
  user: Awaited<ReturnType<typeof provisionWithToken>>,
) {
  const exchange = await s.t.exchange(user.pat.id, user.pat.secret);
  expect(exchange.statusCode).toBe(401);
  const api = await s.t.request({
    method: 'GET',
    url: `/patina/v1/personal-access-tokens/${user.pat.id}`,
    token: user.token,
  });
  expect(api.statusCode).toBe(401);
}

describe('SCIM deprovisioning', () => {
  it("Okta's deactivation (replace without path) disables through the one path, audited as SCIM", async () => {
    const s = await startScim();
    const user = await provisionWithToken(s, OKTA_CREATE_USER);
    s.t.clock.advance(2000);
    const patched = await s.scim('PATCH', `/Users/${user.id}`, {
      schemas: [SCIM_SCHEMAS.patchOp],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ active: false });
    await expectCredentialsEnded(s, user);
    const updates = (await s.t.auditEvents('IDENTITY_UPDATED')).filter(
      (e) => e.target_id === user.id,
    );
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ actor_id: s.t.admin.identity.id, actor_name: 'ada' });
    expect(JSON.parse(updates[0]!.details)).toMatchObject({ status: 'DISABLED', via: 'SCIM' });
    // The same event every disable records: the SSF transmitter and webhooks take it from there.
    const identity = await s.t.storage.repos.identities.findById(user.id);
    expect(identity?.status).toBe('DISABLED');

    // Re-activation does not bring back the tokens issued before the disable.
    s.t.clock.advance(2000);
    const again = await s.scim('PATCH', `/Users/${user.id}`, {
      schemas: [SCIM_SCHEMAS.patchOp],
      Operations: [{ op: 'replace', value: { active: true } }],
    });
    expect(again.json()).toMatchObject({ active: true });
    expect(
      (
        await s.t.request({
          method: 'GET',
          url: `/patina/v1/personal-access-tokens/${user.pat.id}`,
          token: user.token,
        })
      ).statusCode,
    ).toBe(401);
    // Its PAT works again, for new tokens.
    expect((await s.t.exchange(user.pat.id, user.pat.secret)).statusCode).toBe(200);
  });

  it('Entra ID\'s deactivation (Replace, path active, "False") disables the same way', async () => {
    const s = await startScim();
    const user = await provisionWithToken(s, ENTRA_CREATE_USER);
    s.t.clock.advance(2000);
    const patched = await s.scim('PATCH', `/Users/${user.id}`, {
      schemas: [SCIM_SCHEMAS.patchOp],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ active: false });
    await expectCredentialsEnded(s, user);
  });

  it('PUT with active false disables too', async () => {
    const s = await startScim();
    const user = await provisionWithToken(s, OKTA_CREATE_USER);
    s.t.clock.advance(2000);
    const put = await s.scim('PUT', `/Users/${user.id}`, { ...OKTA_CREATE_USER, active: false });
    expect(put.statusCode, put.body).toBe(200);
    await expectCredentialsEnded(s, user);
  });

  it('DELETE offboards: PATs revoked, identity disabled, audit via SCIM; the User is gone', async () => {
    const s = await startScim();
    const user = await provisionWithToken(s, OKTA_CREATE_USER);
    s.t.clock.advance(2000);
    const stale = await s.scim('DELETE', `/Users/${user.id}`, undefined, {
      headers: { 'if-match': 'W/"2000-01-01T00:00:00.000Z"' },
    });
    expect(stale.statusCode).toBe(412);
    expect((await s.t.exchange(user.pat.id, user.pat.secret)).statusCode).toBe(200);
    const deleted = await s.scim('DELETE', `/Users/${user.id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    await expectCredentialsEnded(s, user);
    const [offboarded] = await s.t.auditEvents('IDENTITY_OFFBOARDED');
    expect(offboarded).toMatchObject({ target_id: user.id, actor_id: s.t.admin.identity.id });
    expect(JSON.parse(offboarded!.details)).toMatchObject({
      via: 'SCIM',
      revoked: [user.pat.id],
      disabled: true,
    });
    const [revoked] = (await s.t.auditEvents()).filter(
      (e) => e.target_id === user.pat.id && e.type.includes('REVOKED'),
    );
    expect(JSON.parse(revoked!.details)).toMatchObject({ via: 'SCIM' });
    expect((await s.scim('GET', `/Users/${user.id}`)).statusCode).toBe(404);
    const list = await s.scim('GET', '/Users');
    expect(list.json()).toMatchObject({ totalResults: 0 });
    // What is left is an ordinary disabled identity Patina's administrators manage.
    const identity = await s.t.storage.repos.identities.findById(user.id);
    expect(identity).toMatchObject({ status: 'DISABLED' });
    expect(identity).not.toHaveProperty('directoryManaged');
    expect((await s.scim('DELETE', `/Users/${user.id}`)).statusCode).toBe(404);
  });
});
