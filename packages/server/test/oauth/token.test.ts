import { importJWK, jwtVerify, type JWK } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  decodeJwt,
  HEX32,
  HOUR_MS,
  ISSUER,
  START,
  startTestApp,
  TEST_CATALOGUE,
  type TestApp,
  V3,
} from '../helpers.js';

const MY_RIGHTS = 'sp:my-personal-access-tokens:manage sp:my-personal-access-tokens:read';

const RESPONSE_KEYS = [
  'access_token',
  'accessType',
  'enabled',
  'expires_in',
  'identity_id',
  'internal',
  'jti',
  'org',
  'pod',
  'scope',
  'strong_auth',
  'strong_auth_supported',
  'tenant_id',
  'token_type',
  'user_name',
].sort();

interface TokenBody {
  access_token: string;
  scope: string;
  jti: string;
  [key: string]: unknown;
}

/** The response passes as a token response; returns its body. */
function expectTokenResponse(response: LightMyRequestResponse): TokenBody {
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['cache-control']).toBe('no-store');
  const body = response.json<TokenBody>();
  expect(Object.keys(body).sort()).toEqual(RESPONSE_KEYS);
  return body;
}

/** The token works on the real API: GET the caller's own PATs. */
async function expectTokenWorks(t: TestApp, token: string): Promise<void> {
  const listed = await t.request({
    method: 'GET',
    url: `${V3}?owner-id=me`,
    token,
  });
  expect(listed.statusCode, listed.body).toBe(200);
}

async function makePat(t: TestApp, body: { name?: string; accessTokenValiditySeconds?: number }) {
  return t.mintPat(t.admin.identity.id, { name: body.name ?? 'ci', ...body });
}

describe('POST /oauth/token: the ways clients send credentials', () => {
  it('accepts an application/x-www-form-urlencoded body', async () => {
    const t = await startTestApp();
    const pat = await makePat(t, {});
    const body = expectTokenResponse(await t.exchange(pat.id, pat.secret));
    await expectTokenWorks(t, body.access_token);
  });

  it('accepts a multipart/form-data body as SailPoint’s TypeScript SDK sends it', async () => {
    const t = await startTestApp();
    const pat = await makePat(t, {});
    // The layout of the form-data package: a dashed boundary, one part per field.
    const boundary = '--------------------------515890814546601021194782';
    const fields = {
      grant_type: 'client_credentials',
      client_id: pat.id,
      client_secret: pat.secret,
    };
    const payload =
      Object.entries(fields)
        .map(
          ([name, value]) =>
            `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
        )
        .join('') + `--${boundary}--\r\n`;
    const response = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    const body = expectTokenResponse(response);
    await expectTokenWorks(t, body.access_token);
  });

  it('accepts query-string parameters with an empty body and no content type', async () => {
    const t = await startTestApp();
    const pat = await makePat(t, {});
    const query = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: pat.id,
      client_secret: pat.secret,
    });
    const response = await t.app.inject({ method: 'POST', url: `/oauth/token?${query}` });
    const body = expectTokenResponse(response);
    await expectTokenWorks(t, body.access_token);
  });

  it('accepts HTTP Basic (client_secret_basic)', async () => {
    const t = await startTestApp();
    const pat = await makePat(t, {});
    const basic = Buffer.from(`${pat.id}:${pat.secret}`).toString('base64');
    const response = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
    const body = expectTokenResponse(response);
    await expectTokenWorks(t, body.access_token);
  });

  it('form-decodes the Basic user name and password (RFC 6749 §2.3.1)', async () => {
    const t = await startTestApp();
    const pat = await makePat(t, {});
    // Percent-encoding is valid form encoding for any character; the server must decode it.
    const encoded = [...pat.secret]
      .map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
      .join('');
    const basic = Buffer.from(`${pat.id}:${encoded}`).toString('base64');
    const response = await t.app.inject({
      method: 'POST',
      url: '/oauth/token?grant_type=client_credentials',
      headers: { authorization: `Basic ${basic}` },
    });
    expectTokenResponse(response);
  });
});

describe('POST /oauth/token: the response and the access token', () => {
  it('answers with the RFC 6749 fields and SailPoint’s identity fields, no refresh token', async () => {
    const t = await startTestApp();
    const pat = await makePat(t, { accessTokenValiditySeconds: 600 });
    const body = expectTokenResponse(await t.exchange(pat.id, pat.secret));
    expect(body).toEqual({
      access_token: body.access_token,
      token_type: 'bearer',
      expires_in: 600,
      scope: body.scope,
      jti: body.jti,
      tenant_id: t.services.tenantId,
      org: 'patina',
      pod: 'local',
      identity_id: t.admin.identity.id,
      user_name: 'ada',
      strong_auth: false,
      strong_auth_supported: false,
      enabled: true,
      internal: false,
      accessType: 'OFFLINE',
    });
    expect(body.scope.split(' ')).toContain('orders:read');
    expect(body.jti).toMatch(HEX32);
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('issues an RFC 9068 JWT with the identity claims', async () => {
    const t = await startTestApp();
    t.clock.advance(1234);
    const pat = await makePat(t, { accessTokenValiditySeconds: 600 });
    const body = expectTokenResponse(await t.exchange(pat.id, pat.secret));
    const { header, payload } = decodeJwt(body.access_token);

    const [keyRow] = await t.storage.db.selectFrom('signing_keys').selectAll().execute();
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: keyRow?.kid });

    const iat = Math.floor((Date.parse(START) + 1234) / 1000);
    expect(payload).toEqual({
      iss: ISSUER,
      sub: t.admin.identity.id,
      aud: ISSUER,
      exp: iat + 600,
      iat,
      jti: body.jti,
      client_id: pat.id,
      scope: body.scope,
      identity_id: t.admin.identity.id,
      user_name: 'ada',
      authorities: ['ORG_ADMIN'],
      tenant_id: t.services.tenantId,
      org: 'patina',
    });
  });

  it('signs with the stored public key, and the service verifies the token', async () => {
    const t = await startTestApp();
    const pat = await makePat(t, {});
    const body = expectTokenResponse(await t.exchange(pat.id, pat.secret));

    const [keyRow] = await t.storage.db.selectFrom('signing_keys').selectAll().execute();
    const key = await importJWK(JSON.parse(keyRow?.public_jwk ?? '{}') as JWK, 'ES256');
    const verified = await jwtVerify(body.access_token, key, {
      algorithms: ['ES256'],
      typ: 'at+jwt',
      issuer: ISSUER,
      audience: ISSUER,
      currentDate: t.clock.now(),
    });
    expect(verified.payload.client_id).toBe(pat.id);
    expect((await t.services.accessTokens.verify(body.access_token)).jti).toBe(body.jti);
    await expectTokenWorks(t, body.access_token);
  });
});

describe('POST /oauth/token: granted scopes', () => {
  it('expands sp:scopes:all to exactly the rights of a USER', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const body = expectTokenResponse(await t.exchange(bob.patId, bob.secret));
    expect(body.scope).toBe(MY_RIGHTS);
    expect(decodeJwt(body.access_token).payload.scope).toBe(MY_RIGHTS);
  });

  it('expands sp:scopes:all to every catalogued right of an ORG_ADMIN', async () => {
    const t = await startTestApp();
    const body = expectTokenResponse(await t.exchange(t.admin.patId, t.admin.secret));
    expect(body.scope).toBe(TEST_CATALOGUE.join(' '));
  });

  it('never grants a scope the PAT names but its owner lacks', async () => {
    const t = await startTestApp();
    const bob = await t.user({
      name: 'Bob',
      login: 'bob',
      patScope: ['orders:read', 'sp:my-personal-access-tokens:read'],
    });
    const body = expectTokenResponse(await t.exchange(bob.patId, bob.secret));
    expect(body.scope).toBe('sp:my-personal-access-tokens:read');
  });

  it('never grants an owner right the PAT does not name', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'orders', scope: ['orders:read'] });
    const body = expectTokenResponse(await t.exchange(pat.id, pat.secret));
    expect(body.scope).toBe('orders:read');
  });

  it('uses the owner’s rights at exchange time', async () => {
    const t = await startTestApp();
    const bob = await t.user({
      name: 'Bob',
      login: 'bob',
      rights: ['orders:read'],
      patScope: ['orders:read', 'sp:my-personal-access-tokens:read'],
    });
    expect(expectTokenResponse(await t.exchange(bob.patId, bob.secret)).scope).toBe(
      'orders:read sp:my-personal-access-tokens:read',
    );
    const patched = await t.patchIdentity(bob.identity.id, { rights: [] });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(expectTokenResponse(await t.exchange(bob.patId, bob.secret)).scope).toBe(
      'sp:my-personal-access-tokens:read',
    );
  });

  it('narrows the grant to a requested subset', async () => {
    const t = await startTestApp();
    const body = expectTokenResponse(
      await t.exchange(t.admin.patId, t.admin.secret, {
        scope: 'sp:my-personal-access-tokens:read orders:read',
      }),
    );
    expect(body.scope).toBe('orders:read sp:my-personal-access-tokens:read');
    expect(decodeJwt(body.access_token).payload.scope).toBe(body.scope);
  });

  it('accepts the idn: spelling of a requested scope and grants the sp: form', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const body = expectTokenResponse(
      await t.exchange(bob.patId, bob.secret, { scope: 'idn:my-personal-access-tokens:read' }),
    );
    expect(body.scope).toBe('sp:my-personal-access-tokens:read');
  });

  it('refuses a requested scope outside the grant with invalid_scope', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const before = await t.snapshot();
    const response = await t.exchange(bob.patId, bob.secret, {
      scope: 'sp:my-personal-access-tokens:read orders:read',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'invalid_scope',
      error_description: "The scope 'orders:read' is not granted to this client",
    });
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses with invalid_scope a PAT whose grant would be empty', async () => {
    const t = await startTestApp();
    const created = await t.request({
      method: 'POST',
      url: '/patina/v1/identities',
      token: t.admin.token,
      json: { name: 'Carol', login: 'carol', roles: ['USER'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    // A PAT naming only rights its owner lacks: SailPoint accepts it, and it grants nothing.
    const { id, secret } = await t.mintPat(created.json<{ id: string }>().id, {
      name: 'nothing',
      scope: ['sp:all-personal-access-tokens:read'],
    });
    const response = await t.exchange(id, secret);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'invalid_scope',
      error_description: 'This PAT grants no rights: its owner holds none of its scopes',
    });
  });
});

describe('POST /oauth/token: lastUsed', () => {
  async function lastUsedOf(t: TestApp, id: string): Promise<unknown> {
    // A fresh token each time: the clock moves past the lifetime of older ones.
    const listed = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=me`,
      token: await t.accessToken(t.admin.patId, t.admin.secret),
    });
    expect(listed.statusCode, listed.body).toBe(200);
    return listed.json<{ id: string; lastUsed: unknown }[]>().find((p) => p.id === id)?.lastUsed;
  }

  async function usedEvents(t: TestApp, id: string) {
    const events = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USED');
    return events.filter((e) => e.target_id === id);
  }

  it('is written on the first exchange, then at most once per 24 hours', async () => {
    const t = await startTestApp();
    const pat = await makePat(t, {});
    expect(await lastUsedOf(t, pat.id)).toBeNull();

    t.clock.advance(1000);
    const first = t.clock.now().toISOString();
    expectTokenResponse(await t.exchange(pat.id, pat.secret));
    expect(await lastUsedOf(t, pat.id)).toBe(first);
    expect(await usedEvents(t, pat.id)).toHaveLength(1);

    t.clock.advance(23 * HOUR_MS);
    expectTokenResponse(await t.exchange(pat.id, pat.secret));
    expect(await lastUsedOf(t, pat.id)).toBe(first);
    expect(await usedEvents(t, pat.id)).toHaveLength(1);

    t.clock.advance(HOUR_MS);
    const third = t.clock.now().toISOString();
    expect(Date.parse(third) - Date.parse(first)).toBe(DAY_MS);
    expectTokenResponse(await t.exchange(pat.id, pat.secret));
    expect(await lastUsedOf(t, pat.id)).toBe(third);
    const events = await usedEvents(t, pat.id);
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.time)).toEqual([first, third]);
    expect(events.map((e) => e.actor_id)).toEqual([t.admin.identity.id, t.admin.identity.id]);
  });
});

describe('GET /oauth/info', () => {
  it('describes the tenant and the token endpoint', async () => {
    const t = await startTestApp();
    const response = await t.app.inject({ method: 'GET', url: '/oauth/info' });
    expect(response.statusCode).toBe(200);
    const body = response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      tenantId: t.services.tenantId,
      tenantName: 'patina',
      tokenEndpoint: 'http://patina.test/oauth/token',
    });
    expect(body.tenantId).toMatch(HEX32);
  });
});
