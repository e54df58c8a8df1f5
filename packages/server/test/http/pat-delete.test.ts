import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  expectRefused,
  HEX32,
  PAT_SURFACES,
  captureLogger,
  PAT_ID_NOT_AN_ID,
  patNotFound,
  startTestApp,
  UNKNOWN_ID,
  V3,
  type TestApp,
} from '../helpers.js';

function listMine(t: TestApp, token: string) {
  return t.request({ method: 'GET', url: `${V3}?owner-id=me`, token });
}
const ids = (body: { id: string }[]) => body.map((p) => p.id);

describe('DELETE personal-access-tokens/{id}', () => {
  it.each(PAT_SURFACES)(
    '%s answers 204 with no body and the PAT leaves every list',
    async (base) => {
      const t = await startTestApp();
      const ci = await t.mintPat(t.admin.identity.id, { name: 'ci' });

      const res = await t.request({
        method: 'DELETE',
        url: `${base}/${ci.id}`,
        token: t.admin.token,
      });

      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const mine = await listMine(t, t.admin.token);
      const all = await t.request({
        method: 'GET',
        url: `${base}?count=true`,
        token: t.admin.token,
      });
      expect(ids(mine.json())).toEqual([t.admin.patId]);
      expect(ids(all.json())).toEqual([t.admin.patId]);
      expect(all.headers['x-total-count']).toBe('1');
    },
  );

  it('a second delete of the same PAT is a 404', async () => {
    const t = await startTestApp();
    const ci = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const url = `${V3}/${ci.id}`;
    expect((await t.request({ method: 'DELETE', url, token: t.admin.token })).statusCode).toBe(204);

    await expectRefused(
      t,
      () => t.request({ method: 'DELETE', url, token: t.admin.token }),
      patNotFound(ci.id),
    );
  });

  it.each([
    ['an unknown id', UNKNOWN_ID, patNotFound(UNKNOWN_ID)],
    ['a malformed id', 'abc', PAT_ID_NOT_AN_ID],
    ['an id in upper case', 'ABCDEF0123456789ABCDEF0123456789', PAT_ID_NOT_AN_ID],
  ])('%s is a 404', async (_label, id, error) => {
    const t = await startTestApp();

    await expectRefused(
      t,
      () => t.request({ method: 'DELETE', url: `${V3}/${id}`, token: t.admin.token }),
      error,
    );
  });

  it('never echoes a secret pasted where the id goes, in the answer or the log', async () => {
    const { logger, lines } = captureLogger();
    const t = await startTestApp({ logger });
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const response = await expectRefused(
      t,
      () => t.request({ method: 'DELETE', url: `${V3}/${pat.secret}`, token: t.admin.token }),
      PAT_ID_NOT_AN_ID,
    );
    expect(response.body).not.toContain(pat.secret);
    // A GET on that path matches no route: the 404 names the path with the secret cut out.
    const get = await t.request({
      method: 'GET',
      url: `${V3}/${pat.secret}`,
      token: t.admin.token,
    });
    expect(get.json<{ messages: { text: string }[] }>().messages[0]?.text).toBe(
      'No resource at GET /v3/personal-access-tokens/…',
    );
    const log = lines().join('\n');
    expect(log).toContain('"path":"/v3/personal-access-tokens/…"');
    expect(log).not.toContain(pat.secret);
  });

  it('a USER deleting another identity’s PAT gets 404, as if it did not exist', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });

    await expectRefused(
      t,
      () => t.request({ method: 'DELETE', url: `${V3}/${t.admin.patId}`, token: uma.token }),
      patNotFound(t.admin.patId),
    );
  });

  it('an identity with all-read but not all-manage gets 403 for another’s PAT', async () => {
    const t = await startTestApp();
    const auditor = await t.user({ name: 'Aldo Auditor', roles: ['AUDITOR'] });

    await expectRefused(
      t,
      () => t.request({ method: 'DELETE', url: `${V3}/${t.admin.patId}`, token: auditor.token }),
      [
        403,
        '403 Forbidden',
        'You may not delete this personal access token: it needs the right sp:all-personal-access-tokens:manage',
      ],
    );
  });

  it('ORG_ADMIN deletes another identity’s PAT', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    const ci = await t.mintPat(uma.identity.id, { name: 'ci' });

    const res = await t.request({ method: 'DELETE', url: `${V3}/${ci.id}`, token: t.admin.token });

    expect(res.statusCode).toBe(204);
    expect(ids((await listMine(t, uma.token)).json())).toEqual([uma.patId]);
  });

  it('an owner deletes their own PAT with the USER role', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    const ci = await t.mintPat(uma.identity.id, { name: 'ci' });

    const res = await t.request({ method: 'DELETE', url: `${V3}/${ci.id}`, token: uma.token });

    expect(res.statusCode).toBe(204);
    expect(ids((await listMine(t, uma.token)).json())).toEqual([uma.patId]);
  });

  it('frees the name and the slot of the deleted PAT for its owner', async () => {
    const t = await startTestApp({ config: { policy: { maxTokensPerOwner: 2 } } });
    const ci = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await t.deletePat(ci.id);

    const res = await t.postPat({ name: 'ci' });

    expect(res.statusCode).toBe(200);
    expect(res.json<{ name: string }>().name).toBe('ci');
  });
});

describe('DELETE personal-access-tokens/{id}: what a delete stops', () => {
  it('the deleted PAT can no longer be exchanged', async () => {
    const t = await startTestApp();
    const ci = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await t.deletePat(ci.id);

    const res = await t.exchange(ci.id, ci.secret);

    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(BAD_CREDENTIALS);
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    const failures = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(failures.map((e) => [e.target_id, JSON.parse(e.details) as unknown])).toEqual([
      [ci.id, { reason: 'deleted', ownerId: t.admin.identity.id }],
    ]);
  });

  it('an access token minted before the delete stops working on the PAT API at once', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    const ci = await t.mintPat(uma.identity.id, { name: 'ci' });
    const ciToken = await t.accessToken(ci.id, ci.secret);
    expect((await listMine(t, ciToken)).statusCode).toBe(200);

    const deleted = await t.request({ method: 'DELETE', url: `${V3}/${ci.id}`, token: uma.token });
    const before = await t.snapshot();
    const res = await listMine(t, ciToken);

    expect(deleted.statusCode).toBe(204);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      error: 'JWT validation failed: the personal access token behind this JWT is no longer valid',
    });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
    expect(await t.snapshot()).toEqual(before);
    // The owner's other PAT and its token are untouched.
    expect((await listMine(t, uma.token)).statusCode).toBe(200);
  });

  it('a PAT can delete itself, and its own token then stops working', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });

    const deleted = await t.request({
      method: 'DELETE',
      url: `${V3}/${uma.patId}`,
      token: uma.token,
    });
    const after = await listMine(t, uma.token);

    expect(deleted.statusCode).toBe(204);
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('records PERSONAL_ACCESS_TOKEN_DELETED with actor, target, source IP and user agent', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User', login: 'uma' });
    const ci = await t.mintPat(uma.identity.id, { name: 'nightly build' });
    t.clock.advance(5000);

    const res = await t.request({
      method: 'DELETE',
      url: `${V3}/${ci.id}`,
      token: t.admin.token,
      headers: { 'user-agent': 'sailpoint-cli/2.1' },
    });

    expect(res.statusCode).toBe(204);
    const events = await t.auditEvents('PERSONAL_ACCESS_TOKEN_DELETED');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      time: '2026-01-15T10:00:05.000Z',
      type: 'PERSONAL_ACCESS_TOKEN_DELETED',
      actor_id: t.admin.identity.id,
      actor_name: 'ada',
      target_type: 'PERSONAL_ACCESS_TOKEN',
      target_id: ci.id,
      target_name: 'nightly build',
      outcome: 'SUCCESS',
      source_ip: '127.0.0.1',
      user_agent: 'sailpoint-cli/2.1',
    });
    expect(event?.tracking_id).toMatch(HEX32);
    expect(JSON.parse(event?.details ?? '')).toEqual({ ownerId: uma.identity.id });
    expect(JSON.stringify(events)).not.toContain(ci.secret);
  });

  it('a refused delete records no event', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    const before = await t.snapshot();

    const res = await t.request({
      method: 'DELETE',
      url: `${V3}/${t.admin.patId}`,
      token: uma.token,
    });

    expect(res.statusCode).toBe(404);
    expect(await t.auditEvents('PERSONAL_ACCESS_TOKEN_DELETED')).toEqual([]);
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('DELETE personal-access-tokens/{id}: managed PATs', () => {
  it('a caller without managed-read cannot delete a managed PAT, even their own (404)', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    const robot = await t.mintPat(uma.identity.id, { name: 'robot', managed: true });

    await expectRefused(
      t,
      () => t.request({ method: 'DELETE', url: `${V3}/${robot.id}`, token: uma.token }),
      patNotFound(robot.id),
    );
  });

  it('all-manage without managed-read cannot delete another’s managed PAT (404)', async () => {
    const t = await startTestApp({
      config: { roles: { PAT_ADMIN: ['sp:all-personal-access-tokens:manage'] } },
    });
    const patAdmin = await t.user({ name: 'Pat Admin', roles: ['PAT_ADMIN'] });
    const robot = await t.mintPat(t.admin.identity.id, { name: 'robot', managed: true });
    const ci = await t.mintPat(t.admin.identity.id, { name: 'ci' });

    await expectRefused(
      t,
      () => t.request({ method: 'DELETE', url: `${V3}/${robot.id}`, token: patAdmin.token }),
      patNotFound(robot.id),
    );
    const unmanaged = await t.request({
      method: 'DELETE',
      url: `${V3}/${ci.id}`,
      token: patAdmin.token,
    });
    expect(unmanaged.statusCode).toBe(204);
  });

  it('ORG_ADMIN deletes a managed PAT', async () => {
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User' });
    const robot = await t.mintPat(uma.identity.id, { name: 'robot', managed: true });

    const res = await t.request({
      method: 'DELETE',
      url: `${V3}/${robot.id}`,
      token: t.admin.token,
    });
    const left = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=${uma.identity.id}`,
      token: t.admin.token,
    });

    expect(res.statusCode).toBe(204);
    expect(ids(left.json())).toEqual([uma.patId]);
  });
});
