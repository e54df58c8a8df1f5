import { describe, expect, it } from 'vitest';
import {
  decodeJwt,
  expectRefused,
  expectSailPointError,
  HEX32,
  NEEDS_MY_MANAGE,
  PAT_SURFACES,
  PAT_ID_NOT_AN_ID,
  patNotFound,
  startTestApp,
  UNKNOWN_ID,
  V3,
  type TestApp,
} from '../helpers.js';

/**
 * Who may PATCH which PAT, unknown ids, and the audit trail of a change (docs/rules.md, "Rights",
 * "Audit").
 */
const RENAME = [{ op: 'replace', path: '/name', value: 'Renamed' }];

function patch(t: TestApp, id: string, token: string, url: string = V3, json: unknown = RENAME) {
  return t.request({ method: 'PATCH', url: `${url}/${id}`, token, json });
}

describe('PATCH personal-access-tokens/{id}: not found', () => {
  it.each(PAT_SURFACES)('%s answers 404 for an unknown id', async (url) => {
    const t = await startTestApp();
    await expectRefused(t, () => patch(t, UNKNOWN_ID, t.admin.token, url), patNotFound(UNKNOWN_ID));
  });

  it('answers 404 for an id that is not 32 hex characters', async () => {
    const t = await startTestApp();
    await expectRefused(t, () => patch(t, 'not-a-pat', t.admin.token), PAT_ID_NOT_AN_ID);
  });

  it('answers 404 for a deleted PAT', async () => {
    const t = await startTestApp();
    const { id } = await t.mintPat(t.admin.identity.id, { name: 'Gone' });
    expect((await t.deletePat(id)).statusCode).toBe(204);
    await expectRefused(t, () => patch(t, id, t.admin.token), patNotFound(id));
  });
});

describe('PATCH personal-access-tokens/{id}: rights', () => {
  it.each(PAT_SURFACES)('%s: a USER changes their own PAT', async (url) => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Uma User', login: 'uma' });
    const { id } = await t.mintPat(user.identity.id, { name: 'Mine', scope: ['orders:read'] });
    const response = await patch(t, id, user.token, url);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id,
      name: 'Renamed',
      owner: { type: 'IDENTITY', id: user.identity.id, name: 'Uma User' },
    });
  });

  it.each(PAT_SURFACES)("%s: a USER gets 404 for another identity's PAT", async (url) => {
    // #findForChange hides PATs the caller may not even read, so their existence does not leak.
    const t = await startTestApp();
    const uma = await t.user({ name: 'Uma User', login: 'uma' });
    const ulf = await t.user({ name: 'Ulf User', login: 'ulf' });
    await expectRefused(t, () => patch(t, ulf.patId, uma.token, url), patNotFound(ulf.patId));
    await expectRefused(
      t,
      () => patch(t, t.admin.patId, uma.token, url),
      patNotFound(t.admin.patId),
    );
  });

  it("an all-read (AUDITOR) identity sees another's PAT but gets 403 changing it", async () => {
    const t = await startTestApp();
    const auditor = await t.user({ name: 'Otto Auditor', login: 'otto', roles: ['AUDITOR'] });
    const user = await t.user({ name: 'Uma User', login: 'uma' });
    await expectRefused(t, () => patch(t, user.patId, auditor.token), [
      403,
      '403 Forbidden',
      'You may not change this personal access token: it needs the right sp:all-personal-access-tokens:manage',
    ]);
  });

  it('an identity without my-manage gets 403 changing its own PAT', async () => {
    const t = await startTestApp();
    const auditor = await t.user({ name: 'Otto Auditor', login: 'otto', roles: ['AUDITOR'] });
    await expectRefused(t, () => patch(t, auditor.patId, auditor.token), [
      403,
      '403 Forbidden',
      NEEDS_MY_MANAGE.change,
    ]);
  });

  it.each(PAT_SURFACES)("%s: an ORG_ADMIN changes another identity's PAT", async (url) => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Uma User', login: 'uma' });
    const { id } = await t.mintPat(user.identity.id, { name: 'Theirs', scope: ['orders:read'] });
    const response = await patch(t, id, t.admin.token, url, [
      { op: 'replace', path: '/name', value: 'Renamed' },
      { op: 'add', path: '/scope/-', value: 'orders:write' },
    ]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id,
      name: 'Renamed',
      scope: ['orders:read', 'orders:write'],
      owner: { type: 'IDENTITY', id: user.identity.id, name: 'Uma User' },
    });
  });

  it('a managed PAT is 404 to its owner without managed-read, changeable by an ORG_ADMIN', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Uma User', login: 'uma' });
    const { id } = await t.mintPat(user.identity.id, { name: 'Robot', managed: true });
    await expectRefused(t, () => patch(t, id, user.token), patNotFound(id));
    const response = await patch(t, id, t.admin.token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id, name: 'Renamed', managed: true });
  });
});

describe('PATCH personal-access-tokens/{id}: audit', () => {
  it('records PERSONAL_ACCESS_TOKEN_UPDATED naming the changed fields', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Uma User', login: 'uma' });
    const { id } = await t.mintPat(user.identity.id, { name: 'Theirs', scope: ['orders:read'] });
    t.clock.advance(60_000);
    const response = await patch(t, id, t.admin.token, V3, [
      { op: 'replace', path: '/name', value: 'Renamed' },
      { op: 'replace', path: '/scope', value: ['orders:write'] },
    ]);
    expect(response.statusCode).toBe(200);
    const events = await t.auditEvents('PERSONAL_ACCESS_TOKEN_UPDATED');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      time: '2026-01-15T10:01:00.000Z',
      actor_id: t.admin.identity.id,
      actor_name: 'ada',
      target_type: 'PERSONAL_ACCESS_TOKEN',
      target_id: id,
      target_name: 'Renamed',
      outcome: 'SUCCESS',
    });
    expect(event?.tracking_id).toMatch(HEX32);
    expect(JSON.parse(String(event?.details))).toEqual({
      ownerId: user.identity.id,
      changed: ['name', 'scope'],
      name: 'Renamed',
      scope: ['orders:write'],
    });
  });

  it('names only what changed (an expiry change)', async () => {
    const t = await startTestApp();
    const { id } = await t.mintPat(t.admin.identity.id, { name: 'Dated' });
    const response = await patch(t, id, t.admin.token, V3, [
      { op: 'test', path: '/name', value: 'Dated' },
      { op: 'replace', path: '/expirationDate', value: '2026-03-01T00:00:00Z' },
    ]);
    expect(response.statusCode).toBe(200);
    const events = await t.auditEvents('PERSONAL_ACCESS_TOKEN_UPDATED');
    expect(events.map((e) => JSON.parse(String(e.details)) as unknown)).toEqual([
      {
        ownerId: t.admin.identity.id,
        changed: ['expirationDate', 'userAwareTokenNeverExpires'],
        expirationDate: '2026-03-01T00:00:00.000Z',
        userAwareTokenNeverExpires: false,
      },
    ]);
  });
});

describe('PATCH personal-access-tokens/{id}: scope and access tokens', () => {
  it('changes the scope of access tokens minted afterwards, not of those already issued', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Uma User', login: 'uma' });
    const read = 'sp:my-personal-access-tokens:read';
    const manage = 'sp:my-personal-access-tokens:manage';
    const { id, secret } = await t.mintPat(user.identity.id, {
      name: 'tool',
      scope: [read, manage],
    });
    const before = await t.accessToken(id, secret);
    expect(decodeJwt(before).payload.scope).toBe(`${manage} ${read}`);

    const narrowed = await patch(t, id, user.token, V3, [
      { op: 'replace', path: '/scope', value: [read] },
    ]);
    expect(narrowed.statusCode).toBe(200);
    const after = await t.accessToken(id, secret);
    expect(decodeJwt(after).payload.scope).toBe(read);
    expect(decodeJwt(before).payload.scope).toBe(`${manage} ${read}`);

    // The token issued before the change still carries, and may use, the manage right.
    const create = (token: string, name: string) => t.postPat({ name }, token);
    expect((await create(before, 'with the old token')).statusCode).toBe(200);
    expectSailPointError(
      await create(after, 'with the new token'),
      403,
      '403 Forbidden',
      NEEDS_MY_MANAGE.create,
    );
  });
});
