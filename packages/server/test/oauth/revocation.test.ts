import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from '../../src/storage/outage.js';
import {
  BAD_CREDENTIALS,
  decodeJwt,
  expectIdentitiesAndPatsUnchanged,
  START,
  startTestApp,
  V3,
  type TestApp,
  type TestUser,
} from '../helpers.js';

const VALIDITY_MS = 43_200 * 1000;
const REVOKED_BODY = { error: 'JWT validation failed: JWT has been revoked' };

/** POST /oauth/revoke with an urlencoded body. */
function revoke(
  t: TestApp,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.postForm('/oauth/revoke', params, headers);
}

/** Revocation with a PAT's client credentials in the body (client_secret_post). */
function revokeAs(t: TestApp, caller: TestUser, token: string) {
  return revoke(t, { client_id: caller.patId, client_secret: caller.secret, token });
}

function introspectAs(t: TestApp, caller: TestUser, token: string) {
  return t.app.inject({
    method: 'POST',
    url: '/oauth/introspect',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      client_id: caller.patId,
      client_secret: caller.secret,
      token,
    }).toString(),
  });
}

function listOwn(t: TestApp, token: string) {
  return t.request({ method: 'GET', url: `${V3}?owner-id=me`, token });
}

function revokedRows(t: TestApp) {
  return t.storage.db.selectFrom('revoked_tokens').selectAll().orderBy('jti').execute();
}

function expectRevokedOk(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBe(200);
  expect(response.body).toBe('');
  expect(response.headers['cache-control']).toBe('no-store');
}

/** A refused request: the OAuth error body, and no row of any table changed. */
async function expectRefusedRevocation(
  t: TestApp,
  send: () => Promise<LightMyRequestResponse>,
  status: number,
  body: { error: string; error_description: string },
): Promise<LightMyRequestResponse> {
  const before = await t.snapshot();
  const response = await send();
  expect(response.statusCode, response.body).toBe(status);
  expect(response.json()).toEqual(body);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(await t.snapshot()).toEqual(before);
  expect(await revokedRows(t)).toEqual([]);
  return response;
}

describe('POST /oauth/revoke: revoking a token issued to the caller', () => {
  it('answers 200 with an empty body, and the token stops working at once', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    expect((await listOwn(t, bob.token)).statusCode).toBe(200);
    expectRevokedOk(await revokeAs(t, bob, bob.token));

    const listed = await listOwn(t, bob.token);
    expect(listed.statusCode).toBe(401);
    expect(listed.json()).toEqual(REVOKED_BODY);
    expect(listed.headers['www-authenticate']).toBe(
      'Bearer realm="patina", error="invalid_token", error_description="JWT has been revoked"',
    );
    const introspected = await introspectAs(t, t.admin, bob.token);
    expect(introspected.body).toBe('{"active":false}');
  });

  it('accepts HTTP Basic client credentials', async () => {
    const t = await startTestApp();
    const basic = Buffer.from(`${t.admin.patId}:${t.admin.secret}`).toString('base64');
    expectRevokedOk(await revoke(t, { token: t.admin.token }, { authorization: `Basic ${basic}` }));
    expect((await listOwn(t, t.admin.token)).json()).toEqual(REVOKED_BODY);
  });

  it('keeps the deny-list entry until the token would have expired, then prunes it', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const { jti } = decodeJwt(bob.token).payload;
    t.clock.advance(60 * 60 * 1000);
    expectRevokedOk(await revokeAs(t, bob, bob.token));
    const expiresAt = new Date(Date.parse(START) + VALIDITY_MS).toISOString();
    const row = {
      jti,
      client_id: bob.patId,
      expires_at: expiresAt,
      revoked_at: '2026-01-15T11:00:00.000Z',
    };
    expect(await revokedRows(t)).toEqual([row]);

    t.clock.set(new Date(Date.parse(expiresAt) - 1000));
    expect(await t.services.housekeeping.runOnce()).toMatchObject({ revocationsPruned: 0 });
    expect(await revokedRows(t)).toEqual([row]);
    expect((await listOwn(t, bob.token)).json()).toEqual(REVOKED_BODY);

    t.clock.set(expiresAt);
    expect(await t.services.housekeeping.runOnce()).toMatchObject({ revocationsPruned: 1 });
    expect(await revokedRows(t)).toEqual([]);
    // Refused for its exp alone now.
    expect((await listOwn(t, bob.token)).json()).toEqual({
      error: 'JWT validation failed: JWT is expired',
    });
  });

  it('accepts revoking the same token twice', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    expectRevokedOk(await revokeAs(t, bob, bob.token));
    expectRevokedOk(await revokeAs(t, bob, bob.token));
    expect(await revokedRows(t)).toHaveLength(1);
    expect((await listOwn(t, bob.token)).json()).toEqual(REVOKED_BODY);
  });

  it('leaves the other tokens of the same PAT working', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const second = await t.accessToken(bob.patId, bob.secret);
    expectRevokedOk(await revokeAs(t, bob, bob.token));
    expect((await listOwn(t, second)).statusCode).toBe(200);
    const introspected = await introspectAs(t, bob, second);
    expect(introspected.json()).toMatchObject({ active: true, client_id: bob.patId });
  });

  it('records ACCESS_TOKEN_REVOKED naming the PAT and the jti, never the token', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const { jti } = decodeJwt(bob.token).payload;
    expectRevokedOk(await revokeAs(t, bob, bob.token));
    const events = await t.auditEvents('ACCESS_TOKEN_REVOKED');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      target_type: 'PERSONAL_ACCESS_TOKEN',
      target_id: bob.patId,
      outcome: 'SUCCESS',
      time: START,
    });
    expect(JSON.parse(event!.details)).toEqual({ jti });
    const everything = JSON.stringify(await t.auditEvents());
    expect(everything).not.toContain(bob.token);
    expect(everything).not.toContain(bob.token.split('.')[2]);
    expect(everything).not.toContain(bob.secret);
  });
});

describe('POST /oauth/revoke: tokens it cannot or need not revoke', () => {
  it('answers 200 and writes nothing for unknown, garbage and expired tokens', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const other = await startTestApp();
    const unknown = other.admin.token;
    t.clock.advance(VALIDITY_MS);
    // bob.token is expired now; his PAT still authenticates.
    const before = await t.snapshot();
    for (const token of [unknown, 'garbage', 'a.b.c', '', bob.token]) {
      expectRevokedOk(await revokeAs(t, bob, token));
    }
    expect(await t.snapshot()).toEqual(before);
    expect(await revokedRows(t)).toEqual([]);
  });

  it('refuses another client’s token with 400 unauthorized_client; the token keeps working', async () => {
    const t = await startTestApp();
    const alice = await t.user({ name: 'Alice', login: 'alice' });
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    await expectRefusedRevocation(t, () => revokeAs(t, bob, alice.token), 400, {
      error: 'unauthorized_client',
      error_description: 'The token was not issued to this client',
    });
    expect((await listOwn(t, alice.token)).statusCode).toBe(200);
    // Not even an administrator revokes a token it was not issued.
    await expectRefusedRevocation(t, () => revokeAs(t, t.admin, alice.token), 400, {
      error: 'unauthorized_client',
      error_description: 'The token was not issued to this client',
    });
    expect((await listOwn(t, alice.token)).statusCode).toBe(200);
  });

  it('refuses a request without `token` with 400 invalid_request', async () => {
    const t = await startTestApp();
    await expectRefusedRevocation(
      t,
      () => revoke(t, { client_id: t.admin.patId, client_secret: t.admin.secret }),
      400,
      { error: 'invalid_request', error_description: "The parameter 'token' is required" },
    );
  });

  it('refuses a request without client credentials, even with a bearer token', async () => {
    const t = await startTestApp();
    const required = {
      error: 'invalid_client',
      error_description: 'Client authentication is required',
    };
    const bare = await expectRefusedRevocation(
      t,
      () => revoke(t, { token: t.admin.token }),
      401,
      required,
    );
    expect(bare.headers['www-authenticate']).toBe('Basic realm="patina"');
    await expectRefusedRevocation(
      t,
      () => revoke(t, { token: t.admin.token }, { authorization: `Bearer ${t.admin.token}` }),
      401,
      required,
    );
    expect((await listOwn(t, t.admin.token)).statusCode).toBe(200);
  });

  it('refuses bad client credentials with 401 and records a failed use at the revoke endpoint', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const { response, before, after } = await expectIdentitiesAndPatsUnchanged(t, () =>
      revoke(t, { client_id: bob.patId, client_secret: 'y'.repeat(64), token: bob.token }),
    );
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(BAD_CREDENTIALS);
    expect(response.headers['www-authenticate']).toBe('Basic realm="patina"');
    expect(after.audit).toHaveLength(before.audit.length + 1);
    const [event] = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(event).toMatchObject({ target_id: bob.patId, outcome: 'FAILURE' });
    expect(JSON.parse(event!.details)).toEqual({
      reason: 'wrong_secret',
      ownerId: bob.identity.id,
      endpoint: 'revoke',
    });
    expect(await revokedRows(t)).toEqual([]);
    expect((await listOwn(t, bob.token)).statusCode).toBe(200);
  });
});

describe('POST /oauth/revoke when the database is away', () => {
  it('answers 503 temporarily_unavailable, not 200, when the token’s key cannot be looked up', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'fresh' });
    // Minted, never verified here: revoking it must look its signing key up.
    const token = await t.accessToken(pat.id, pat.secret);
    const keys = t.services.keys;
    const findOrReload = keys.findOrReload.bind(keys);
    keys.findOrReload = () =>
      Promise.reject(
        databaseUnavailable(
          Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        ),
      );
    const down = await revoke(t, { client_id: pat.id, client_secret: pat.secret, token });
    keys.findOrReload = findOrReload;
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The service cannot reach its database right now; retry shortly',
    });
    // Nothing was revoked: the token still works.
    expect((await listOwn(t, token)).statusCode).toBe(200);
  });
});
