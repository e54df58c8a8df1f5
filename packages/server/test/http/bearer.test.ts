import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from '../../src/storage/outage.js';
import { DAY_MS, decodeJwt, START, startTestApp, V3, type TestApp } from '../helpers.js';

const PLAIN_CHALLENGE = 'Bearer realm="patina"';

function invalidTokenChallenge(description: string): string {
  return `Bearer realm="patina", error="invalid_token", error_description="${description}"`;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The app's current signing key, to forge tokens a real key signed. */
function signingKey(t: TestApp) {
  return t.services.keys.current();
}

/**
 * Creating a PAT with the given token is refused with exactly this 401, changes nothing, and
 * neither the body nor the challenge quotes the token.
 */
async function expectRefused(
  t: TestApp,
  token: string | undefined,
  error: string,
  challenge: string,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const before = await t.snapshot();
  const response = await t.request({
    method: 'POST',
    url: V3,
    token,
    headers,
    json: { name: 'should not exist' },
  });
  expect(response.statusCode).toBe(401);
  expect(response.body).toBe(JSON.stringify({ error }));
  expect(response.headers['www-authenticate']).toBe(challenge);
  if (token !== undefined) {
    expect(response.body).not.toContain(token);
    expect(response.headers['www-authenticate']).not.toContain(token);
  }
  expect(await t.snapshot()).toEqual(before);
  return response;
}

async function expectInvalidToken(t: TestApp, token: string, description: string): Promise<void> {
  await expectRefused(
    t,
    token,
    `JWT validation failed: ${description}`,
    invalidTokenChallenge(description),
  );
}

describe('bearer authentication on the PAT API: the header', () => {
  it('requires an Authorization header', async () => {
    const t = await startTestApp();
    await expectRefused(t, undefined, 'A Bearer token is required', PLAIN_CHALLENGE);
  });

  it('refuses HTTP Basic', async () => {
    const t = await startTestApp();
    const basic = Buffer.from(`${t.admin.patId}:${t.admin.secret}`).toString('base64');
    const response = await expectRefused(
      t,
      undefined,
      'The Authorization header is not a Bearer token',
      PLAIN_CHALLENGE,
      { authorization: `Basic ${basic}` },
    );
    expect(response.body).not.toContain(basic);
    expect(response.body).not.toContain(t.admin.secret);
  });

  it('refuses a token that is not a JWT', async () => {
    const t = await startTestApp();
    await expectInvalidToken(t, 'not-a-jwt.at-all', 'JWT is malformed');
  });

  it('refuses a PAT secret sent as a bearer token', async () => {
    const t = await startTestApp();
    await expectInvalidToken(t, t.admin.secret, 'JWT is malformed');
  });

  it('accepts the real token, as the control for the cases below', async () => {
    const t = await startTestApp();
    const response = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=me`,
      token: t.admin.token,
    });
    expect(response.statusCode).toBe(200);
  });
});

describe('bearer authentication on the PAT API: the JWT', () => {
  it('refuses an expired token', async () => {
    const t = await startTestApp();
    const exp = decodeJwt(t.admin.token).payload.exp as number;
    t.clock.set(new Date(exp * 1000 + 1000));
    await expectInvalidToken(t, t.admin.token, 'JWT is expired');
  });

  it('accepts a token one second before it expires', async () => {
    const t = await startTestApp();
    const exp = decodeJwt(t.admin.token).payload.exp as number;
    t.clock.set(new Date(exp * 1000 - 1000));
    const response = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=me`,
      token: t.admin.token,
    });
    expect(response.statusCode).toBe(200);
  });

  it('refuses alg none', async () => {
    const t = await startTestApp();
    const payload = decodeJwt(t.admin.token).payload;
    const token = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(payload)}.`;
    await expectInvalidToken(t, token, 'JWT algorithm is not allowed');
  });

  it('refuses alg none even with the real kid', async () => {
    const t = await startTestApp();
    const { kid } = decodeJwt(t.admin.token).header;
    const payload = decodeJwt(t.admin.token).payload;
    const token = `${b64url({ alg: 'none', typ: 'at+jwt', kid })}.${b64url(payload)}.`;
    await expectInvalidToken(t, token, 'JWT algorithm is not allowed');
  });

  it('refuses HS256 signed with a random secret under the real kid', async () => {
    const t = await startTestApp();
    const { kid } = decodeJwt(t.admin.token).header;
    const payload = decodeJwt(t.admin.token).payload as JWTPayload;
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: kid as string })
      .sign(new Uint8Array(randomBytes(32)));
    await expectInvalidToken(t, token, 'JWT algorithm is not allowed');
  });

  it('refuses the real key with typ JWT', async () => {
    const t = await startTestApp();
    const key = signingKey(t);
    const payload = decodeJwt(t.admin.token).payload as JWTPayload;
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, typ: 'JWT', kid: key.kid })
      .sign(key.privateKey);
    await expectInvalidToken(t, token, 'JWT claim is invalid: typ');
  });

  it('refuses the real key with a foreign issuer or audience', async () => {
    const t = await startTestApp();
    const key = signingKey(t);
    const payload = decodeJwt(t.admin.token).payload as JWTPayload;
    for (const [claim, value] of [
      ['iss', 'http://evil.test'],
      ['aud', 'http://evil.test'],
    ] as const) {
      const token = await new SignJWT({ ...payload, [claim]: value })
        .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid })
        .sign(key.privateKey);
      await expectInvalidToken(t, token, `JWT claim is invalid: ${claim}`);
    }
  });

  it.each([
    ['scope', ['sp:all-personal-access-tokens:manage']],
    ['client_id', { id: 'x' }],
    ['sub', 42],
    ['authorities', 'ORG_ADMIN'],
    ['iat', '1700000000'],
  ])('refuses the real key with claim %s of the wrong type', async (claim, value) => {
    const t = await startTestApp();
    const key = signingKey(t);
    const payload = decodeJwt(t.admin.token).payload as JWTPayload;
    const token = await new SignJWT({ ...payload, [claim]: value })
      .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid })
      .sign(key.privateKey);
    await expectInvalidToken(t, token, `JWT claim is invalid: ${claim}`);
  });

  it('refuses the real key with an iat beyond the clock skew, and takes one within it', async () => {
    const t = await startTestApp();
    const key = signingKey(t);
    const payload = decodeJwt(t.admin.token).payload as JWTPayload;
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const sign = (iat: number) =>
      new SignJWT({ ...payload, iat, jti: randomBytes(16).toString('hex') })
        .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid })
        .sign(key.privateKey);
    await expectInvalidToken(t, await sign(now + 120), 'JWT claim is invalid: iat');
    const within = await t.request({
      method: 'GET',
      url: `${V3}?owner-id=me`,
      token: await sign(now + 30),
    });
    expect(within.statusCode, within.body).toBe(200);
  });

  it('refuses a key of its own making under an unknown kid', async () => {
    const t = await startTestApp();
    const { privateKey } = await generateKeyPair('ES256');
    const payload = decodeJwt(t.admin.token).payload as JWTPayload;
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'not-a-patina-key' })
      .sign(privateKey);
    await expectInvalidToken(t, token, 'JWT signing key is unknown');
  });

  it('refuses a key of its own making under the real kid', async () => {
    const t = await startTestApp();
    const { kid } = decodeJwt(t.admin.token).header;
    const { privateKey } = await generateKeyPair('ES256');
    const payload = decodeJwt(t.admin.token).payload as JWTPayload;
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: kid as string })
      .sign(privateKey);
    await expectInvalidToken(t, token, 'JWT signature is invalid');
  });

  it('refuses a tampered payload', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const [header, , signature] = t.admin.token.split('.');
    const payload = {
      ...decodeJwt(bob.token).payload,
      scope: 'sp:all-personal-access-tokens:manage',
    };
    await expectInvalidToken(
      t,
      `${header}.${b64url(payload)}.${signature}`,
      'JWT signature is invalid',
    );
  });

  it('refuses a token signed by another Patina', async () => {
    const t = await startTestApp();
    const other = await startTestApp();
    await expectInvalidToken(t, other.admin.token, 'JWT signing key is unknown');
  });
});

describe('bearer authentication on the PAT API: the PAT behind the token', () => {
  const PAT_GONE = 'the personal access token behind this JWT is no longer valid';

  it('refuses a token at once when its PAT is deleted', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    expect((await t.deletePat(bob.patId)).statusCode).toBe(204);
    await expectInvalidToken(t, bob.token, PAT_GONE);
  });

  it('refuses a token at once when its owner is disabled', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const disabled = await t.patchIdentity(bob.identity.id, { status: 'DISABLED' });
    expect(disabled.statusCode, disabled.body).toBe(200);
    await expectInvalidToken(t, bob.token, 'the identity behind this JWT is disabled');
  });

  it('refuses a token whose PAT has expired, though the token itself has not', async () => {
    const t = await startTestApp();
    const expirationDate = new Date(Date.parse(START) + DAY_MS / 24).toISOString();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'short', expirationDate });
    const token = await t.accessToken(pat.id, pat.secret);
    expect(decodeJwt(token).payload.exp).toBe(Date.parse(START) / 1000 + 43_200);
    t.clock.set(expirationDate);
    await expectInvalidToken(t, token, PAT_GONE);
  });
});

describe('bearer authentication when the database is away', () => {
  it('answers 503, not 401, when the signing keys cannot be read', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'fresh' });
    // Minted, never verified: its check must look its key up.
    const token = await t.accessToken(pat.id, pat.secret);
    // As storage throws an outage (storage/outage.ts turns the driver's error into this).
    const outage = databaseUnavailable(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    );
    const keys = t.services.keys;
    const findOrReload = keys.findOrReload.bind(keys);
    keys.findOrReload = () => Promise.reject(outage);
    const down = await t.request({ method: 'GET', url: V3, token });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('1');
    expect(down.json<{ detailCode: string }>().detailCode).toBe('503 Service Unavailable');
    keys.findOrReload = findOrReload;
    expect((await t.request({ method: 'GET', url: V3, token })).statusCode).toBe(200);
  });
});
