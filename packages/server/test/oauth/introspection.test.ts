import { RIGHTS } from '@patina/contract';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  decodeJwt,
  expectIdentitiesAndPatsUnchanged,
  ISSUER,
  START,
  startTestApp,
  type TestApp,
  type TestUser,
} from '../helpers.js';

const INACTIVE = '{"active":false}';
const ACTIVE_KEYS = [
  'active',
  'aud',
  'client_id',
  'exp',
  'iat',
  'iss',
  'jti',
  'scope',
  'sub',
  'token_type',
  'username',
];
const VALIDITY_SECONDS = 43_200;

/** A test app whose role RESOURCE_SERVER holds the introspection right, and such an identity. */
async function withResourceServer() {
  const t = await startTestApp({
    config: {
      roles: { AUDITOR: [RIGHTS.allRead], RESOURCE_SERVER: [RIGHTS.introspect] },
    },
  });
  const rs = await t.user({ name: 'Orders API', login: 'orders-api', roles: ['RESOURCE_SERVER'] });
  return { t, rs };
}

/** POST /oauth/introspect with an urlencoded body. */
function introspect(
  t: TestApp,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.postForm('/oauth/introspect', params, headers);
}

/** Introspection with a PAT's client credentials in the body (client_secret_post). */
function introspectAs(t: TestApp, caller: TestUser, token: string) {
  return introspect(t, { client_id: caller.patId, client_secret: caller.secret, token });
}

function expectInactive(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBe(200);
  expect(response.body).toBe(INACTIVE);
  expect(response.headers['cache-control']).toBe('no-store');
}

/** The full RFC 7662 answer for a live token of `owner`'s login PAT. */
function expectActiveFor(response: LightMyRequestResponse, token: string, owner: TestUser): void {
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['cache-control']).toBe('no-store');
  const body = response.json<Record<string, unknown>>();
  expect(Object.keys(body).sort()).toEqual(ACTIVE_KEYS);
  const { payload } = decodeJwt(token);
  const iat = Date.parse(START) / 1000;
  expect(body).toEqual({
    active: true,
    scope: payload.scope,
    client_id: owner.patId,
    sub: owner.identity.id,
    exp: iat + VALIDITY_SECONDS,
    iat,
    iss: ISSUER,
    jti: payload.jti,
    aud: ISSUER,
    token_type: 'Bearer',
    username: owner.identity.login,
  });
}

describe('POST /oauth/introspect: anything not live is {"active":false} and nothing more', () => {
  it('answers inactive for an expired token', async () => {
    const { t, rs } = await withResourceServer();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    expectActiveFor(await introspectAs(t, rs, bob.token), bob.token, bob);
    t.clock.advance(VALIDITY_SECONDS * 1000);
    expectInactive(await introspectAs(t, rs, bob.token));
  });

  it('answers inactive for malformed tokens and an empty token', async () => {
    const { t, rs } = await withResourceServer();
    const [header, payload] = t.admin.token.split('.');
    for (const token of [
      'not-a-jwt',
      'a.b.c',
      `${header}.${payload}.`,
      `${header}.${payload}.AAAA`,
      'x'.repeat(9000),
      '',
    ]) {
      expectInactive(await introspectAs(t, rs, token));
    }
  });

  it('answers inactive for a token signed by another Patina deployment', async () => {
    const { t, rs } = await withResourceServer();
    const other = await startTestApp();
    expectInactive(await introspectAs(t, rs, other.admin.token));
  });

  it('answers inactive for a revoked token', async () => {
    const { t, rs } = await withResourceServer();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const revoked = await t.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        client_id: bob.patId,
        client_secret: bob.secret,
        token: bob.token,
      }).toString(),
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expectInactive(await introspectAs(t, rs, bob.token));
  });

  it('answers inactive for a token whose PAT was deleted', async () => {
    const { t, rs } = await withResourceServer();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const extra = await t.mintPat(bob.identity.id, { name: 'ci' });
    const token = await t.accessToken(extra.id, extra.secret);
    expect((await t.deletePat(extra.id)).statusCode).toBe(204);
    expectInactive(await introspectAs(t, rs, token));
    // The owner's other PAT is untouched.
    expectActiveFor(await introspectAs(t, rs, bob.token), bob.token, bob);
  });

  it('answers inactive for a token whose PAT has expired', async () => {
    const { t, rs } = await withResourceServer();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const expiry = new Date(Date.parse(START) + 60 * 60 * 1000).toISOString();
    const shortLived = await t.mintPat(bob.identity.id, { name: 'ci', expirationDate: expiry });
    const token = await t.accessToken(shortLived.id, shortLived.secret);
    expect((await introspectAs(t, rs, token)).json()).toMatchObject({ active: true });
    // The token itself is good for 12 hours; its PAT is not.
    t.clock.set(expiry);
    expectInactive(await introspectAs(t, rs, token));
  });

  it('answers inactive for a token whose owner was disabled', async () => {
    const { t, rs } = await withResourceServer();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const disabled = await t.patchIdentity(bob.identity.id, { status: 'DISABLED' });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expectInactive(await introspectAs(t, rs, bob.token));
  });
});

describe('POST /oauth/introspect: who may see what', () => {
  it('shows a caller without the right only the tokens of its own PAT', async () => {
    const t = await startTestApp();
    const alice = await t.user({ name: 'Alice', login: 'alice' });
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    expectInactive(await introspectAs(t, bob, alice.token));
    expectActiveFor(await introspectAs(t, bob, bob.token), bob.token, bob);
  });

  it('shows a caller with the right every live token, with exactly the RFC 7662 members', async () => {
    const { t, rs } = await withResourceServer();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    expectActiveFor(await introspectAs(t, rs, bob.token), bob.token, bob);
    expectActiveFor(await introspectAs(t, rs, t.admin.token), t.admin.token, t.admin);
    expectActiveFor(await introspectAs(t, rs, rs.token), rs.token, rs);
  });

  it('gives ORG_ADMIN the right, but not through a PAT whose scope leaves it out', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    expectActiveFor(await introspectAs(t, t.admin, bob.token), bob.token, bob);
    const narrow = await t.user({
      name: 'Narrow Admin',
      login: 'narrow',
      roles: ['ORG_ADMIN'],
      patScope: [RIGHTS.myRead],
    });
    // Owner rights ∩ PAT scope: this PAT does not carry patina:tokens:introspect.
    expectInactive(await introspectAs(t, narrow, bob.token));
    expect((await introspectAs(t, narrow, narrow.token)).json()).toMatchObject({ active: true });
  });

  it('loses the right at once when the owner loses the role', async () => {
    const { t, rs } = await withResourceServer();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const patched = await t.patchIdentity(rs.identity.id, { roles: ['USER'] });
    expect(patched.statusCode, patched.body).toBe(200);
    expectInactive(await introspectAs(t, rs, bob.token));
  });
});

describe('POST /oauth/introspect: authenticating the caller', () => {
  it('accepts HTTP Basic client credentials', async () => {
    const { t, rs } = await withResourceServer();
    const basic = Buffer.from(`${rs.patId}:${rs.secret}`).toString('base64');
    const response = await introspect(
      t,
      { token: t.admin.token },
      { authorization: `Basic ${basic}` },
    );
    expectActiveFor(response, t.admin.token, t.admin);
  });

  it('accepts the caller’s own Patina access token as a bearer token', async () => {
    const { t, rs } = await withResourceServer();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const asRs = await introspect(t, { token: bob.token }, { authorization: `Bearer ${rs.token}` });
    expectActiveFor(asRs, bob.token, bob);
    // As on every bearer-authenticated answer: when the caller's own PAT expires.
    const rsPat = await t.request({
      method: 'GET',
      url: `/patina/v1/personal-access-tokens/${rs.patId}`,
      token: t.admin.token,
    });
    expect(asRs.headers['patina-token-expiration']).toBe(
      rsPat.json<{ expirationDate: string }>().expirationDate,
    );
    // Client credentials are no bearer token: no such header.
    expect(
      (await introspectAs(t, rs, bob.token)).headers['patina-token-expiration'],
    ).toBeUndefined();
    // Without the right, a bearer caller too sees only its own PAT's tokens.
    const asAlice = await t.user({ name: 'Alice', login: 'alice' });
    const auth = { authorization: `Bearer ${asAlice.token}` };
    expectInactive(await introspect(t, { token: bob.token }, auth));
    expectActiveFor(await introspect(t, { token: asAlice.token }, auth), asAlice.token, asAlice);
  });

  it('refuses a bad bearer token with 401 invalid_client', async () => {
    const { t, rs } = await withResourceServer();
    t.clock.advance(VALIDITY_SECONDS * 1000);
    const before = await t.snapshot();
    const response = await introspect(
      t,
      { token: t.admin.token },
      { authorization: `Bearer ${rs.token}` },
    );
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(BAD_CREDENTIALS);
    expect(response.headers['www-authenticate']).toBe('Basic realm="patina"');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a request without credentials with 401 and a Basic challenge', async () => {
    const t = await startTestApp();
    const before = await t.snapshot();
    const response = await introspect(t, { token: t.admin.token });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error: 'invalid_client',
      error_description: 'Client authentication is required',
    });
    expect(response.headers['www-authenticate']).toBe('Basic realm="patina"');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a wrong secret with 401 and records a failed use at the introspect endpoint', async () => {
    const { t, rs } = await withResourceServer();
    const { response, before, after } = await expectIdentitiesAndPatsUnchanged(t, () =>
      introspect(t, { client_id: rs.patId, client_secret: 'x'.repeat(64), token: rs.token }),
    );
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(BAD_CREDENTIALS);
    expect(response.headers['www-authenticate']).toBe('Basic realm="patina"');
    expect(after.audit).toHaveLength(before.audit.length + 1);
    const [event] = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(event).toMatchObject({ target_id: rs.patId, outcome: 'FAILURE' });
    expect(JSON.parse(event!.details)).toEqual({
      reason: 'wrong_secret',
      ownerId: rs.identity.id,
      endpoint: 'introspect',
    });
  });

  it('refuses a request without `token` with 400 invalid_request', async () => {
    const { t, rs } = await withResourceServer();
    const before = await t.snapshot();
    const response = await introspect(t, { client_id: rs.patId, client_secret: rs.secret });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'invalid_request',
      error_description: "The parameter 'token' is required",
    });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(await t.snapshot()).toEqual(before);
  });
});
