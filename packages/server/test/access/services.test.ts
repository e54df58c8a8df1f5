import { RIGHTS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT, systemContext, type RequestContext } from '../../src/access/context.js';
import { PatinaError } from '../../src/core/errors.js';
import {
  expectSailPointError,
  HOUR_MS,
  MAX_EXPIRY,
  START,
  startTestApp,
  UNKNOWN_ID,
  type TestApp,
  type TestUser,
} from '../helpers.js';

/**
 * The services check who may do what themselves, so a second client of them (the CLI, a job, a
 * console) cannot skip a check by not going through the HTTP routes. These tests call the
 * services directly, with no HTTP in between.
 */

const MANAGE_IDENTITIES = `Managing identities needs the right ${RIGHTS.allManage}`;
const READ_IDENTITIES = `Reading identities needs the right ${RIGHTS.allRead}`;
const ROTATE_KEYS = `Rotating signing keys needs the right ${RIGHTS.allManage}`;
const LIST_KEYS = `Listing signing keys needs the right ${RIGHTS.allRead}`;
const READ_AUDIT = `Reading audit events needs the right ${RIGHTS.allRead}`;
const PAT_FOR = `Creating a personal access token for another identity needs the right ${RIGHTS.allManage}`;
const LATER = '2026-01-15T11:00:00.000Z';
const LIST_ALL_PATS = `Listing other identities' personal access tokens needs the right ${RIGHTS.allRead}; add owner-id=me to list your own`;

/** The context the HTTP layer would build for this user's access token. */
async function contextOf(t: TestApp, user: TestUser): Promise<RequestContext> {
  return {
    actor: await t.services.bearer.authenticate(user.token),
    audit: {
      actorId: user.identity.id,
      actorName: user.identity.login,
      sourceIp: '192.0.2.1',
      userAgent: 'a-second-client',
      trackingId: null,
    },
  };
}

/** Asserts that `call` is refused with FORBIDDEN naming `right`, and that nothing was written. */
async function expectForbidden(
  t: TestApp,
  call: () => Promise<unknown>,
  message: string,
  right: string,
): Promise<void> {
  const before = await t.snapshot();
  const keysBefore = await t.services.keyRotation.list(SYSTEM_CONTEXT);
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PatinaError);
  expect(error).toMatchObject({ code: 'FORBIDDEN', message, requiredScope: right });
  expect(await t.snapshot()).toEqual(before);
  expect(await t.services.keyRotation.list(SYSTEM_CONTEXT)).toEqual(keysBefore);
}

/** Every admin-only service call, as a caller outside HTTP would make it. */
function adminCalls(t: TestApp, ctx: RequestContext) {
  const adminId = t.admin.identity.id;
  const page = { limit: 10, offset: 0, withTotal: true };
  return {
    createIdentity: () => t.services.identities.create(ctx, { name: 'Mallory' }),
    updateIdentity: () => t.services.identities.update(ctx, adminId, { status: 'DISABLED' }),
    listIdentities: () => t.services.identities.list(ctx, page),
    getIdentity: () => t.services.identities.get(ctx, adminId),
    rotateKey: () => t.services.keyRotation.rotate(ctx),
    rotateKeyIfDue: () => t.services.keyRotation.rotateIfDue(ctx),
    listKeys: () => t.services.keyRotation.list(ctx),
    listAudit: () => t.services.auditQueries.list(ctx, page),
    createPatFor: () => t.services.pats.createFor(ctx, adminId, { name: 'stolen' }),
    listAllPats: () => t.services.pats.list(ctx, page),
  };
}

describe('the services refuse a caller without the right, with no route in between', () => {
  it('refuses a USER every admin operation with FORBIDDEN and writes nothing', async () => {
    const t = await startTestApp({ config: { signing: { rotateAfterDays: 1 } } });
    const user = await t.user({ name: 'Una User', login: 'una' });
    const calls = adminCalls(t, await contextOf(t, user));
    // The key is due, so only the check stands between the call and a rotation.
    t.clock.advance(2 * 24 * 60 * 60 * 1000);

    await expectForbidden(t, calls.createIdentity, MANAGE_IDENTITIES, RIGHTS.allManage);
    await expectForbidden(t, calls.updateIdentity, MANAGE_IDENTITIES, RIGHTS.allManage);
    await expectForbidden(t, calls.listIdentities, READ_IDENTITIES, RIGHTS.allRead);
    await expectForbidden(t, calls.getIdentity, READ_IDENTITIES, RIGHTS.allRead);
    await expectForbidden(t, calls.rotateKey, ROTATE_KEYS, RIGHTS.allManage);
    await expectForbidden(t, calls.rotateKeyIfDue, ROTATE_KEYS, RIGHTS.allManage);
    await expectForbidden(t, calls.listKeys, LIST_KEYS, RIGHTS.allRead);
    await expectForbidden(t, calls.listAudit, READ_AUDIT, RIGHTS.allRead);
    await expectForbidden(t, calls.createPatFor, PAT_FOR, RIGHTS.allManage);
    await expectForbidden(t, calls.listAllPats, LIST_ALL_PATS, RIGHTS.allRead);
  });

  it('lets an AUDITOR read but refuses it every change', async () => {
    const t = await startTestApp({ config: { signing: { rotateAfterDays: 1 } } });
    const auditor = await t.user({ name: 'Audrey', login: 'audrey', roles: ['AUDITOR'] });
    const calls = adminCalls(t, await contextOf(t, auditor));
    t.clock.advance(2 * 24 * 60 * 60 * 1000);

    expect(await calls.getIdentity()).toEqual(t.admin.identity);
    expect((await calls.listIdentities()).total).toBe(2);
    expect(await calls.listKeys()).toHaveLength(1);
    expect((await calls.listAudit()).items.length).toBeGreaterThan(0);
    expect((await calls.listAllPats()).items).toHaveLength(2);

    await expectForbidden(t, calls.createIdentity, MANAGE_IDENTITIES, RIGHTS.allManage);
    await expectForbidden(t, calls.updateIdentity, MANAGE_IDENTITIES, RIGHTS.allManage);
    await expectForbidden(t, calls.rotateKey, ROTATE_KEYS, RIGHTS.allManage);
    await expectForbidden(t, calls.rotateKeyIfDue, ROTATE_KEYS, RIGHTS.allManage);
    await expectForbidden(t, calls.createPatFor, PAT_FOR, RIGHTS.allManage);
  });

  it('checks the right before looking the identity up: 403, not 404, for an unknown id', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Una User', login: 'una' });
    const ctx = await contextOf(t, user);
    await expectForbidden(
      t,
      () => t.services.identities.get(ctx, UNKNOWN_ID),
      READ_IDENTITIES,
      RIGHTS.allRead,
    );
    await expectForbidden(
      t,
      () => t.services.identities.update(ctx, UNKNOWN_ID, { name: 'Nobody' }),
      MANAGE_IDENTITIES,
      RIGHTS.allManage,
    );
    // The same over HTTP: the routes add no check of their own, and lose none.
    const get = await t.request({
      method: 'GET',
      url: `/patina/v1/identities/${UNKNOWN_ID}`,
      token: user.token,
    });
    expectSailPointError(get, 403, '403 Forbidden', READ_IDENTITIES);
    const patch = await t.patchIdentity(UNKNOWN_ID, { name: 'Nobody' }, user.token);
    expectSailPointError(patch, 403, '403 Forbidden', MANAGE_IDENTITIES);
  });
});

describe('the system actor', () => {
  it('may do every admin operation, and the audit trail names it with no actor id', async () => {
    const t = await startTestApp();
    const before = await t.services.keyRotation.list(SYSTEM_CONTEXT);
    const made = await t.services.identities.create(SYSTEM_CONTEXT, { name: 'Bea', login: 'bea' });
    const updated = await t.services.identities.update(SYSTEM_CONTEXT, made.id, { name: 'Bee' });
    expect(updated).toMatchObject({ id: made.id, name: 'Bee', login: 'bea' });
    expect(await t.services.identities.get(SYSTEM_CONTEXT, made.id)).toEqual(updated);
    const { pat } = await t.services.pats.createFor(SYSTEM_CONTEXT, made.id, { name: 'ci' });
    expect(pat).toMatchObject({ ownerId: made.id, ownerName: 'Bee', expirationDate: MAX_EXPIRY });
    t.clock.advance(HOUR_MS);
    const rotated = await t.services.keyRotation.rotate(systemContext('patina keys rotate'));
    // The old key verifies for the longest access token validity (12 h) after the rotation.
    expect(await t.services.keyRotation.list(SYSTEM_CONTEXT)).toEqual([
      { ...rotated, created: LATER, status: 'signing' },
      { ...before[0], status: 'verifying', verifyUntil: '2026-01-15T23:00:00.000Z' },
    ]);

    const events = await t.services.auditQueries.list(SYSTEM_CONTEXT, {
      actorId: undefined,
      limit: 10,
      offset: 0,
      withTotal: false,
    });
    const mine = events.items
      .filter(
        (e) => e.target.id === made.id || e.target.id === pat.id || e.target.id === rotated.kid,
      )
      .map((e) => ({ type: e.type, actor: e.actor, time: e.time }));
    expect(mine).toEqual([
      { type: 'SIGNING_KEY_ROTATED', actor: { id: null, name: 'patina keys rotate' }, time: LATER },
      { type: 'PERSONAL_ACCESS_TOKEN_CREATED', actor: { id: null, name: 'patina' }, time: START },
      { type: 'IDENTITY_UPDATED', actor: { id: null, name: 'patina' }, time: START },
      { type: 'IDENTITY_CREATED', actor: { id: null, name: 'patina' }, time: START },
    ]);
  });

  it('sees every PAT, managed ones too, and may change and delete any', async () => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea', login: 'bea' });
    const managed = await t.mintPat(bea.identity.id, { name: 'managed', managed: true });
    const page = { limit: 10, offset: 0, withTotal: false };
    const all = await t.services.pats.list(SYSTEM_CONTEXT, page);
    expect(all.items.map((p) => p.name).sort()).toEqual(['login', 'login', 'managed']);
    const renamed = await t.services.pats.patch(
      SYSTEM_CONTEXT,
      managed.id,
      [{ op: 'replace', path: '/name', value: 'renamed' }],
      'v3',
    );
    expect(renamed).toMatchObject({ id: managed.id, name: 'renamed', managed: true });
    await t.services.pats.delete(SYSTEM_CONTEXT, managed.id);
    const left = await t.services.pats.list(SYSTEM_CONTEXT, { ...page, ownerId: bea.identity.id });
    expect(left.items.map((p) => p.name)).toEqual(['login']);
  });

  it('owns no PATs: it may not create one for itself or list its own', async () => {
    const t = await startTestApp();
    const before = await t.snapshot();
    await expect(
      t.services.pats.createOwn(SYSTEM_CONTEXT, { name: 'mine' }, 'v3'),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Patina itself owns no personal access tokens: name the owner',
    });
    await expect(
      t.services.pats.list(SYSTEM_CONTEXT, {
        ownerId: 'me',
        limit: 10,
        offset: 0,
        withTotal: false,
      }),
    ).rejects.toMatchObject({
      code: 'ILLEGAL_VALUE',
      field: 'owner-id',
      message: "'owner-id' may not be 'me' when Patina itself asks",
    });
    expect(await t.snapshot()).toEqual(before);
  });
});
