import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  expectRefused,
  startTestApp,
  UNKNOWN_ID,
  type TestApp,
} from '../helpers.js';
import { auditOf, isLive } from './helpers.js';

function offboard(t: TestApp, id: string, json: unknown, token = t.admin.token) {
  return t.request({ method: 'POST', url: `/patina/v1/identities/${id}/offboard`, token, json });
}

async function leaver(t: TestApp) {
  const user = await t.user({ name: 'Lea Leaver', login: 'lea' });
  t.clock.advance(1000);
  const managed = await t.mintPat(user.identity.id, { name: 'robot', managed: true });
  return { user, managed };
}

describe('POST /patina/v1/identities/{id}/offboard', () => {
  it('with dryRun answers what it would do and changes no row of any table', async () => {
    const t = await startTestApp();
    const { user, managed } = await leaver(t);
    const before = await t.snapshot();
    const response = await offboard(t, user.identity.id, { dryRun: true });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      identityId: user.identity.id,
      dryRun: true,
      disabled: true,
      revoked: [
        { id: user.patId, name: 'login', managed: false },
        { id: managed.id, name: 'robot', managed: true },
      ],
    });
    expect(await t.snapshot()).toStrictEqual(before);
  });

  it('revokes every PAT, managed ones too, and disables the identity, in one go', async () => {
    const t = await startTestApp();
    const { user, managed } = await leaver(t);
    const response = await offboard(t, user.identity.id, {});
    expect(response.json()).toStrictEqual({
      identityId: user.identity.id,
      dryRun: false,
      disabled: true,
      revoked: [
        { id: user.patId, name: 'login', managed: false },
        { id: managed.id, name: 'robot', managed: true },
      ],
    });
    expect(await isLive(t, user.patId)).toBe(false);
    expect(await isLive(t, managed.id)).toBe(false);
    expect(
      (await auditOf(t, 'PERSONAL_ACCESS_TOKEN_REVOKED')).map((e) => [
        e.targetId,
        e.details.reason,
      ]),
    ).toEqual([
      [user.patId, 'OFFBOARDED'],
      [managed.id, 'OFFBOARDED'],
    ]);
    expect(await auditOf(t, 'IDENTITY_OFFBOARDED')).toStrictEqual([
      {
        targetId: user.identity.id,
        actorId: t.admin.identity.id,
        outcome: 'SUCCESS',
        sourceIp: '127.0.0.1',
        details: { revoked: [user.patId, managed.id], disabled: true, status: 'DISABLED' },
      },
    ]);
    const identity = await t.request({
      method: 'GET',
      url: `/patina/v1/identities/${user.identity.id}`,
      token: t.admin.token,
    });
    expect(identity.json<{ status: string }>().status).toBe('DISABLED');
    expect((await t.exchange(managed.id, managed.secret)).json()).toStrictEqual(BAD_CREDENTIALS);
    const api = await t.request({
      method: 'GET',
      url: '/v3/personal-access-tokens?owner-id=me',
      token: user.token,
    });
    expect(api.statusCode).toBe(401);
  });

  it('with disable false revokes the PATs and keeps the identity active', async () => {
    const t = await startTestApp();
    const { user } = await leaver(t);
    const response = await offboard(t, user.identity.id, { disable: false });
    expect(response.json<{ disabled: boolean }>().disabled).toBe(false);
    expect(await isLive(t, user.patId)).toBe(false);
    const identity = await t.request({
      method: 'GET',
      url: `/patina/v1/identities/${user.identity.id}`,
      token: t.admin.token,
    });
    expect(identity.json<{ status: string }>().status).toBe('ACTIVE');
  });

  it('needs all-manage, and answers 404 for an unknown identity', async () => {
    const t = await startTestApp();
    const { user } = await leaver(t);
    const other = await t.user({ name: 'Otto', login: 'otto' });
    await expectRefused(t, () => offboard(t, user.identity.id, {}, other.token), [
      403,
      '403 Forbidden',
      'Offboarding an identity needs the right sp:all-personal-access-tokens:manage',
    ]);
    await expectRefused(t, () => offboard(t, UNKNOWN_ID, {}), [
      404,
      '404 Not found',
      `Identity '${UNKNOWN_ID}' was not found`,
    ]);
  });

  it('refuses a non-boolean dryRun with a 400 naming it, and writes nothing', async () => {
    const t = await startTestApp();
    const { user } = await leaver(t);
    await expectRefused(t, () => offboard(t, user.identity.id, { dryRun: 'yes' }), [
      400,
      '400.1.3 Illegal value',
      "'dryRun' must be a boolean",
    ]);
  });
});
