import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  expectRefused,
  HOUR_MS,
  ILLEGAL,
  MAX_EXPIRY,
  patNotFound,
  START,
  startTestApp,
  UNKNOWN_ID,
  type TestApp,
} from '../helpers.js';
import { auditOf, isLive, PATINA_PATS, userWithPat as userPat } from './helpers.js';

function rotate(t: TestApp, id: string, json: unknown, token = t.admin.token) {
  return t.request({ method: 'POST', url: `${PATINA_PATS}/${id}/rotate`, token, json });
}

describe('POST /patina/v1/personal-access-tokens/{id}/rotate', () => {
  it('answers the create response with a new secret, the same id and the grace end', async () => {
    const t = await startTestApp();
    const { pat } = await userPat(t);
    const response = await rotate(t, pat.id, { gracePeriodSeconds: 3600 });
    expect(response.statusCode).toBe(200);
    const body = response.json<Record<string, unknown>>();
    expect(body.id).toBe(pat.id);
    expect(body.secret).toMatch(/^patina_[0-9A-Za-z]{57}$/);
    expect(body.secret).not.toBe(pat.secret);
    expect(body.rotatedAt).toBe(START);
    expect(body.previousSecretValidUntil).toBe('2026-01-15T11:00:00.000Z');
    expect(body.expirationDate).toBe(MAX_EXPIRY);
    expect(body.status).toBe('ACTIVE');
  });

  it('keeps both secrets working inside the grace window and only the new one after', async () => {
    const t = await startTestApp();
    const { pat } = await userPat(t);
    const response = await rotate(t, pat.id, { gracePeriodSeconds: 600 });
    const secret = response.json<{ secret: string }>().secret;
    t.clock.advance(599_999);
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
    expect((await t.exchange(pat.id, secret)).statusCode).toBe(200);
    t.clock.advance(1);
    const old = await t.exchange(pat.id, pat.secret);
    expect(old.statusCode).toBe(401);
    expect(old.json()).toStrictEqual(BAD_CREDENTIALS);
    expect((await t.exchange(pat.id, secret)).statusCode).toBe(200);
  });

  it('with no grace (the default) refuses the old secret at once', async () => {
    const t = await startTestApp();
    const { pat } = await userPat(t);
    const response = await rotate(t, pat.id, {});
    expect(response.json<{ previousSecretValidUntil: unknown }>().previousSecretValidUntil).toBe(
      null,
    );
    expect((await t.exchange(pat.id, pat.secret)).json()).toStrictEqual(BAD_CREDENTIALS);
    const secret = response.json<{ secret: string }>().secret;
    expect((await t.exchange(pat.id, secret)).statusCode).toBe(200);
  });

  it('ends an earlier grace window at once when rotated again', async () => {
    const t = await startTestApp();
    const { pat } = await userPat(t);
    const first = (await rotate(t, pat.id, { gracePeriodSeconds: 3600 })).json<{
      secret: string;
    }>();
    const second = (await rotate(t, pat.id, { gracePeriodSeconds: 3600 })).json<{
      secret: string;
    }>();
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(401);
    expect((await t.exchange(pat.id, first.secret)).statusCode).toBe(200);
    expect((await t.exchange(pat.id, second.secret)).statusCode).toBe(200);
    t.clock.advance(HOUR_MS);
    expect((await t.exchange(pat.id, first.secret)).statusCode).toBe(401);
  });

  it('records PERSONAL_ACCESS_TOKEN_ROTATED with the grace window, never the secret', async () => {
    const t = await startTestApp();
    const { user, pat } = await userPat(t);
    const response = await rotate(t, pat.id, { gracePeriodSeconds: 60 });
    const secret = response.json<{ secret: string }>().secret;
    expect(await auditOf(t, 'PERSONAL_ACCESS_TOKEN_ROTATED')).toStrictEqual([
      {
        targetId: pat.id,
        actorId: t.admin.identity.id,
        outcome: 'SUCCESS',
        sourceIp: '127.0.0.1',
        details: {
          ownerId: user.identity.id,
          gracePeriodSeconds: 60,
          previousSecretValidUntil: '2026-01-15T10:01:00.000Z',
          selfRotation: false,
        },
      },
    ]);
    const rows = JSON.stringify(await t.snapshot());
    expect(rows).not.toContain(secret);
    expect(rows).not.toContain(pat.secret);
  });

  it.each([['sp:my-personal-access-tokens:manage'], ['sp:scopes:all']])(
    'lets a PAT scoped %s rotate itself with its own token',
    async (scope) => {
      const t = await startTestApp();
      const { user } = await userPat(t);
      const pat = await t.mintPat(user.identity.id, { name: 'robot', scope: [scope] });
      const own = await t.accessToken(pat.id, pat.secret);
      const response = await rotate(t, pat.id, { gracePeriodSeconds: 0 }, own);
      expect(response.statusCode).toBe(200);
      expect((await auditOf(t, 'PERSONAL_ACCESS_TOKEN_ROTATED'))[0]?.details.selfRotation).toBe(
        true,
      );
      // The token it rotated with keeps working: only the secret changed.
      const listed = await t.request({
        method: 'GET',
        url: `${PATINA_PATS}?owner-id=me`,
        token: own,
      });
      expect(listed.statusCode).toBe(200);
    },
  );

  // Issue 21, item 2: a token scoped for something else must not mint a new long-lived secret.
  it.each([
    ['ssf.read', ['ssf.read']],
    ['sp:my-personal-access-tokens:read', []],
    ['orders:read', ['orders:read']],
  ])('refuses a PAT scoped %s rotating itself (403), and writes nothing', async (scope, extra) => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Ivy Robot', login: 'ivy', rights: extra });
    const pat = await t.mintPat(user.identity.id, { name: 'robot', scope: [scope] });
    const own = await t.accessToken(pat.id, pat.secret);
    await expectRefused(t, () => rotate(t, pat.id, { gracePeriodSeconds: 600 }, own), [
      403,
      '403 Forbidden',
      'You may not rotate this personal access token: it needs the right sp:my-personal-access-tokens:manage',
    ]);
    // The owner's secret still works; no second secret was made.
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
  });

  it('refuses sp:scopes:all when the owner holds no manage right', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Ivy Robot', login: 'ivy', roles: [], rights: ['ssf.read'] });
    const pat = await t.mintPat(user.identity.id, { name: 'robot', scope: ['sp:scopes:all'] });
    const own = await t.accessToken(pat.id, pat.secret);
    await expectRefused(t, () => rotate(t, pat.id, {}, own), [
      403,
      '403 Forbidden',
      'You may not rotate this personal access token: it needs the right sp:my-personal-access-tokens:manage',
    ]);
  });

  it('needs my-manage for another of the owner’s PATs, and all-manage for someone else’s', async () => {
    const t = await startTestApp();
    const { user, pat } = await userPat(t);
    const own = await t.accessToken(pat.id, pat.secret);
    await expectRefused(t, () => rotate(t, user.patId, {}, own), [
      403,
      '403 Forbidden',
      'You may not rotate this personal access token: it needs the right sp:my-personal-access-tokens:manage',
    ]);
    // The owner's login PAT holds my-manage: its own PATs yes, the admin's not even visible.
    expect((await rotate(t, pat.id, {}, user.token)).statusCode).toBe(200);
    await expectRefused(
      t,
      () => rotate(t, t.admin.patId, {}, user.token),
      patNotFound(t.admin.patId),
    );
    await expectRefused(t, () => rotate(t, UNKNOWN_ID, {}), patNotFound(UNKNOWN_ID));
  });

  it.each([
    [{ gracePeriodSeconds: 604_801 }, "'gracePeriodSeconds' must be <= 604800"],
    [{ gracePeriodSeconds: -1 }, "'gracePeriodSeconds' must be >= 0"],
    [{ gracePeriodSeconds: 1.5 }, "'gracePeriodSeconds' must be an integer"],
    [{ gracePeriodSeconds: '60' }, "'gracePeriodSeconds' must be an integer"],
  ])('refuses %j with a 400 naming the field, and writes nothing', async (body, text) => {
    const t = await startTestApp();
    const { pat } = await userPat(t);
    await expectRefused(t, () => rotate(t, pat.id, body), [400, ILLEGAL, text]);
  });

  it('refuses an unknown member with a 400 naming it', async () => {
    const t = await startTestApp();
    const { pat } = await userPat(t);
    await expectRefused(t, () => rotate(t, pat.id, { grace: 60 }), [
      400,
      '400.1 Bad Request Content',
      "Unknown field 'grace': this resource has no such field",
    ]);
  });
});

describe('an old secret after its grace window', () => {
  async function rotatedPat(t: TestApp) {
    const { user, pat } = await userPat(t);
    const rotated = await rotate(t, pat.id, { gracePeriodSeconds: 60 });
    const secret = rotated.json<{ secret: string }>().secret;
    t.clock.advance(60_000);
    return { user, pat, secret };
  }

  it('is refused like any bad secret, audited as rotated_secret_reused and raises SECRET_REUSED', async () => {
    const t = await startTestApp();
    const { user, pat, secret } = await rotatedPat(t);
    const response = await t.exchange(pat.id, pat.secret);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toStrictEqual(BAD_CREDENTIALS);
    expect((await auditOf(t, 'PERSONAL_ACCESS_TOKEN_USE_FAILED')).map((e) => e.details)).toEqual([
      { reason: 'rotated_secret_reused', ownerId: user.identity.id },
    ]);
    expect(await auditOf(t, 'PERSONAL_ACCESS_TOKEN_SECRET_REUSED')).toStrictEqual([
      {
        targetId: pat.id,
        actorId: null,
        outcome: 'SUCCESS',
        sourceIp: '127.0.0.1',
        details: {
          ownerId: user.identity.id,
          previousSecretValidUntil: '2026-01-15T10:01:00.000Z',
          action: 'alert',
        },
      },
    ]);
    // alert (the default): the PAT lives on with its new secret.
    expect(await isLive(t, pat.id)).toBe(true);
    expect((await t.exchange(pat.id, secret)).statusCode).toBe(200);
  });

  it('with onRotatedSecretReuse revoke, revokes the PAT and its access tokens', async () => {
    const t = await startTestApp({ config: { policy: { onRotatedSecretReuse: 'revoke' } } });
    const { user, pat, secret } = await rotatedPat(t);
    const token = await t.accessToken(pat.id, secret);
    expect((await t.exchange(pat.id, pat.secret)).json()).toStrictEqual(BAD_CREDENTIALS);
    expect(await isLive(t, pat.id)).toBe(false);
    expect((await auditOf(t, 'PERSONAL_ACCESS_TOKEN_REVOKED')).map((e) => e.details)).toEqual([
      { ownerId: user.identity.id, reason: 'REUSED' },
    ]);
    expect((await auditOf(t, 'PERSONAL_ACCESS_TOKEN_SECRET_REUSED'))[0]?.details.action).toBe(
      'revoke',
    );
    // The new secret is dead too, and so is a token minted with it.
    expect((await t.exchange(pat.id, secret)).json()).toStrictEqual(BAD_CREDENTIALS);
    expect(
      (await auditOf(t, 'PERSONAL_ACCESS_TOKEN_USE_FAILED')).map((e) => e.details.reason),
    ).toEqual(['rotated_secret_reused', 'revoked']);
    const api = await t.request({ method: 'GET', url: `${PATINA_PATS}?owner-id=me`, token });
    expect(api.statusCode).toBe(401);
  });

  it('does not take a wrong secret for a reuse', async () => {
    const t = await startTestApp({ config: { policy: { onRotatedSecretReuse: 'revoke' } } });
    const { pat } = await rotatedPat(t);
    const other = await userPat(t, 'vera');
    expect((await t.exchange(pat.id, other.pat.secret)).json()).toStrictEqual(BAD_CREDENTIALS);
    expect(
      (await auditOf(t, 'PERSONAL_ACCESS_TOKEN_USE_FAILED')).map((e) => e.details.reason),
    ).toEqual(['wrong_secret']);
    expect(await auditOf(t, 'PERSONAL_ACCESS_TOKEN_SECRET_REUSED')).toEqual([]);
    expect(await isLive(t, pat.id)).toBe(true);
  });
});
