import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JWK,
} from 'jose';
import { describe, expect, it } from 'vitest';
import {
  expectSailPointError,
  START,
  startListeningApp,
  V3,
  type TestApp,
  type TestUser,
} from '../helpers.js';

/**
 * jose (panva's JOSE library, unchanged) as a resource server verifying Patina's access tokens
 * offline through the published JWKS, across key rotation with overlap.
 */

const TIMEOUT = { timeout: 30_000 };
const KEYS = '/patina/v1/signing-keys';
/** policy.accessTokenValiditySeconds.max by default: how long a retired key stays published. */
const OVERLAP_SECONDS = 43_200;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

/** A Patina listening on 127.0.0.1 whose public base URL (and so issuer) is where it listens. */
async function listening(): Promise<{ t: TestApp; base: string; jwksUri: URL }> {
  const { t, base } = await startListeningApp();
  return { t, base, jwksUri: new URL(`${base}/.well-known/jwks.json`) };
}

/**
 * A remote JWK Set as a resource server holds it. jose refetches on an unknown kid only after a
 * cool-down of real time (30 s by default); none here, so the test need not sleep.
 */
function remoteKeys(jwksUri: URL) {
  return createRemoteJWKSet(jwksUri, { cooldownDuration: 0 });
}

function verify(
  t: TestApp,
  base: string,
  token: string,
  keys: ReturnType<typeof createRemoteJWKSet>,
  algorithms: string[] = ['ES256'],
) {
  return jwtVerify(token, keys, {
    issuer: base,
    audience: base,
    typ: 'at+jwt',
    algorithms,
    currentDate: t.clock.now(),
  });
}

async function publishedKeys(jwksUri: URL): Promise<JWK[]> {
  const response = await fetch(jwksUri);
  expect(response.status).toBe(200);
  return ((await response.json()) as { keys: JWK[] }).keys;
}

/**
 * POST /patina/v1/signing-keys/rotate as the administrator. Keys are listed newest first by
 * their creation time, so tests move the clock between the first key and a rotation.
 */
function rotate(t: TestApp, json: unknown = {}) {
  return t.request({ method: 'POST', url: `${KEYS}/rotate`, token: t.admin.token, json });
}

async function keyStatuses(t: TestApp, token = t.admin.token): Promise<[string, string][]> {
  const response = await t.request({ method: 'GET', url: KEYS, token });
  expect(response.statusCode).toBe(200);
  return response
    .json<{ kid: string; status: string }[]>()
    .map((key) => [key.kid, key.status] as [string, string]);
}

/** Patina's own API with this token: the caller's PATs. */
function listOwnPats(t: TestApp, token: string) {
  return t.request({ method: 'GET', url: `${V3}?owner-id=me`, token });
}

function freshToken(t: TestApp, user: TestUser = t.admin) {
  return t.accessToken(user.patId, user.secret);
}

describe('jose verifying Patina tokens through the JWKS', TIMEOUT, () => {
  it('verifies a token from the token endpoint; its kid is the key’s RFC 7638 thumbprint', async () => {
    const { t, base, jwksUri } = await listening();
    const { payload, protectedHeader } = await verify(
      t,
      base,
      t.admin.token,
      createRemoteJWKSet(jwksUri),
    );
    expect(payload).toMatchObject({
      iss: base,
      aud: base,
      sub: t.admin.identity.id,
      client_id: t.admin.patId,
    });
    const [key, ...others] = await publishedKeys(jwksUri);
    expect(others).toEqual([]);
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: key!.kid, typ: 'at+jwt' });
    expect(key!.kid).toBe(await calculateJwkThumbprint(key!));
  });

  it('serves the JWK Set for a minute of caching, without private members in any key', async () => {
    const { t, jwksUri } = await listening();
    t.clock.advance(1000);
    expect((await rotate(t, { algorithm: 'RS256' })).statusCode).toBe(200);
    t.clock.advance(1000);
    expect((await rotate(t, { algorithm: 'EdDSA' })).statusCode).toBe(200);
    const response = await fetch(jwksUri);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
    const { keys } = (await response.json()) as { keys: JWK[] };
    expect(keys.map((key) => key.kty)).toEqual(['OKP', 'RSA', 'EC']);
    for (const key of keys) {
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      expect(key.kid).toBe(await calculateJwkThumbprint(key));
      expect(key.use).toBe('sig');
    }
  });
});

describe('jose across a signing key rotation with overlap', TIMEOUT, () => {
  it('keeps old tokens verifying, picks up the new key, then drops the old one', async () => {
    const { t, base, jwksUri } = await listening();
    const jwks = remoteKeys(jwksUri);
    const oldToken = t.admin.token;
    const oldKid = decodeProtectedHeader(oldToken).kid!;
    await verify(t, base, oldToken, jwks);

    t.clock.advance(60_000);
    const rotated = await rotate(t);
    expect(rotated.statusCode).toBe(200);
    const newKey = rotated.json<{ kid: string }>();
    expect(newKey.kid).not.toBe(oldKid);
    expect(newKey).toEqual({
      kid: newKey.kid,
      alg: 'ES256',
      created: '2026-01-15T10:01:00.000Z',
      status: 'signing',
      verifyUntil: null,
    });

    // The old token verifies with the cached set and with a freshly fetched one.
    await verify(t, base, oldToken, jwks);
    await verify(t, base, oldToken, remoteKeys(jwksUri));

    // A new token carries the new kid; the cached set refetches on it.
    const newToken = await freshToken(t);
    expect(decodeProtectedHeader(newToken).kid).toBe(newKey.kid);
    const { protectedHeader } = await verify(t, base, newToken, jwks);
    expect(protectedHeader.kid).toBe(newKey.kid);
    expect((await publishedKeys(jwksUri)).map((key) => key.kid)).toEqual([newKey.kid, oldKid]);
    expect(await keyStatuses(t)).toEqual([
      [newKey.kid, 'signing'],
      [oldKid, 'verifying'],
    ]);
    const [, old] = (await t.request({ method: 'GET', url: KEYS, token: t.admin.token })).json<
      { verifyUntil: string | null }[]
    >();
    expect(old?.verifyUntil).toBe('2026-01-15T22:01:00.000Z');
    expect((await listOwnPats(t, oldToken)).statusCode).toBe(200);

    // Past the overlap the old key is gone: from the JWKS, for jose, and for Patina.
    t.clock.advance(OVERLAP_SECONDS * 1000 + 1000);
    expect((await publishedKeys(jwksUri)).map((key) => key.kid)).toEqual([newKey.kid]);
    await expect(verify(t, base, oldToken, jwks)).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
    });
    await expect(verify(t, base, oldToken, remoteKeys(jwksUri))).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    const refused = await listOwnPats(t, oldToken);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ error: 'JWT validation failed: JWT signing key is unknown' });
    const laterToken = await freshToken(t);
    expect(await keyStatuses(t, laterToken)).toEqual([
      [newKey.kid, 'signing'],
      [oldKid, 'expired'],
    ]);
    await verify(t, base, laterToken, jwks);
  });

  it('keeps the old key published up to the end of the overlap', async () => {
    const { t, base, jwksUri } = await listening();
    const oldToken = t.admin.token;
    const oldKid = decodeProtectedHeader(oldToken).kid!;
    t.clock.advance(1000);
    const newKid = (await rotate(t)).json<{ kid: string }>().kid;
    // A second before the old token expires, its key is still published and verifies.
    t.clock.advance(OVERLAP_SECONDS * 1000 - 2000);
    expect((await publishedKeys(jwksUri)).map((key) => key.kid)).toEqual([newKid, oldKid]);
    await verify(t, base, oldToken, remoteKeys(jwksUri));
    expect((await listOwnPats(t, oldToken)).statusCode).toBe(200);
  });

  it('records SIGNING_KEY_ROTATED with the administrator as the actor', async () => {
    const { t } = await listening();
    const oldKid = decodeProtectedHeader(t.admin.token).kid!;
    const newKid = (await rotate(t)).json<{ kid: string }>().kid;
    const events = await t.auditEvents('SIGNING_KEY_ROTATED');
    expect(
      events.map((event) => ({
        time: event.time,
        actor: [event.actor_id, event.actor_name],
        target: [event.target_type, event.target_id, event.target_name],
        outcome: event.outcome,
        details: JSON.parse(event.details) as unknown,
      })),
    ).toEqual([
      {
        time: START,
        actor: [t.admin.identity.id, 'ada'],
        target: ['SIGNING_KEY', newKid, 'ES256'],
        outcome: 'SUCCESS',
        details: { previousKid: oldKid, algorithm: 'ES256' },
      },
    ]);
  });

  it('refuses a rotation by a caller without the right and keeps the keys', async () => {
    const { t } = await listening();
    const bob = await t.user({ name: 'Bob', roles: ['USER'] });
    const keysBefore = await keyStatuses(t);
    const before = await t.snapshot();
    const response = await t.request({
      method: 'POST',
      url: `${KEYS}/rotate`,
      token: bob.token,
      json: {},
    });
    expectSailPointError(
      response,
      403,
      '403 Forbidden',
      'Rotating signing keys needs the right sp:all-personal-access-tokens:manage',
    );
    expect(await t.snapshot()).toEqual(before);
    expect(await keyStatuses(t)).toEqual(keysBefore);
  });
});

describe('jose with an EdDSA key after rotation', TIMEOUT, () => {
  it('verifies EdDSA tokens, which Patina’s own API accepts too', async () => {
    const { t, base, jwksUri } = await listening();
    t.clock.advance(1000);
    const rotated = await rotate(t, { algorithm: 'EdDSA' });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json()).toMatchObject({ alg: 'EdDSA', status: 'signing' });

    const token = await freshToken(t);
    const { protectedHeader, payload } = await verify(t, base, token, remoteKeys(jwksUri), [
      'EdDSA',
    ]);
    expect(protectedHeader).toEqual({
      alg: 'EdDSA',
      kid: rotated.json<{ kid: string }>().kid,
      typ: 'at+jwt',
    });
    expect(payload.client_id).toBe(t.admin.patId);
    // A resource server pinned to ES256 does not take it (RFC 8725 §3.1).
    await expect(verify(t, base, token, remoteKeys(jwksUri))).rejects.toMatchObject({
      code: 'ERR_JOSE_ALG_NOT_ALLOWED',
    });

    const own = await listOwnPats(t, token);
    expect(own.statusCode).toBe(200);
    expect(own.json<{ id: string }[]>().map((pat) => pat.id)).toEqual([t.admin.patId]);
    const [key] = await publishedKeys(jwksUri);
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
  });
});
