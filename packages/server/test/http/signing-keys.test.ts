import { RIGHTS } from '@patina/contract';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, SignJWT, type JWK, type JSONWebKeySet } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import {
  DAY_MS,
  decodeJwt,
  expectSailPointError,
  HOUR_MS,
  ISSUER,
  NEEDS_ALL_READ_OR_ME,
  START,
  startTestApp,
  type TestApp,
  V3,
} from '../helpers.js';

const KEYS = '/patina/v1/signing-keys';
const ROTATE = `${KEYS}/rotate`;
const OVERLAP_MS = 43_200 * 1000;

interface KeyInfo {
  kid: string;
  alg: string;
  created: string;
  status: string;
  verifyUntil: string | null;
}

/** GET the keys, by default with a fresh token of the admin (the clock may have moved far). */
async function listKeys(t: TestApp, token?: string): Promise<KeyInfo[]> {
  const bearer = token ?? (await t.accessToken(t.admin.patId, t.admin.secret));
  const response = await t.request({ method: 'GET', url: KEYS, token: bearer });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<KeyInfo[]>();
}

function rotate(t: TestApp, json?: unknown, token = t.admin.token) {
  return t.request({ method: 'POST', url: ROTATE, token, json });
}

async function publishedKids(t: TestApp): Promise<string[]> {
  const response = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  return response.json<JSONWebKeySet>().keys.map((key) => key.kid!);
}

function signingKeyRows(t: TestApp) {
  return t.storage.db.selectFrom('signing_keys').selectAll().orderBy('kid').execute();
}

function listOwn(t: TestApp, token: string) {
  return t.request({ method: 'GET', url: `${V3}?owner-id=me`, token });
}

/** A refused request: its SailPoint error, and no row changed, signing keys included. */
async function expectRefusedKeys(
  t: TestApp,
  send: () => ReturnType<typeof rotate>,
  [status, detailCode, text]: [number, string, string],
) {
  const before = { rows: await t.snapshot(), keys: await signingKeyRows(t) };
  const response = await send();
  expectSailPointError(response, status, detailCode, text);
  expect({ rows: await t.snapshot(), keys: await signingKeyRows(t) }).toEqual(before);
  return response;
}

describe('GET /patina/v1/signing-keys', () => {
  it('lists the one signing key of a new deployment', async () => {
    const t = await startTestApp();
    const kid = decodeJwt(t.admin.token).header.kid;
    expect(await listKeys(t)).toEqual([
      { kid, alg: 'ES256', created: START, status: 'signing', verifyUntil: null },
    ]);
  });

  it('needs the all-read right: an AUDITOR may list, a USER may not', async () => {
    const t = await startTestApp();
    const auditor = await t.user({ name: 'Audrey', login: 'audrey', roles: ['AUDITOR'] });
    expect(await listKeys(t, auditor.token)).toHaveLength(1);
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const response = await expectRefusedKeys(
      t,
      () => t.request({ method: 'GET', url: KEYS, token: bob.token }),
      [403, '403 Forbidden', `Listing signing keys needs the right ${RIGHTS.allRead}`],
    );
    expect(response.headers['www-authenticate']).toBe(
      `Bearer realm="patina", error="insufficient_scope", scope="${RIGHTS.allRead}"`,
    );
  });
});

describe('POST /patina/v1/signing-keys/rotate', () => {
  it('makes a new signing key; the old one verifies until its tokens have expired', async () => {
    const t = await startTestApp();
    const oldKid = decodeJwt(t.admin.token).header.kid as string;
    t.clock.advance(HOUR_MS);
    const rotatedAt = t.clock.now().toISOString();
    const response = await rotate(t);
    expect(response.statusCode, response.body).toBe(200);
    const created = response.json<KeyInfo>();
    expect(created).toEqual({
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
      alg: 'ES256',
      created: rotatedAt,
      status: 'signing',
      verifyUntil: null,
    });
    expect(created.kid).not.toBe(oldKid);
    const verifyUntil = new Date(t.clock.now().getTime() + OVERLAP_MS).toISOString();
    expect(await listKeys(t)).toEqual([
      created,
      { kid: oldKid, alg: 'ES256', created: START, status: 'verifying', verifyUntil },
    ]);
    expect(await publishedKids(t)).toEqual([created.kid, oldKid]);

    // New tokens carry the new kid; the token signed before the rotation still works.
    const fresh = await t.accessToken(t.admin.patId, t.admin.secret);
    expect(decodeJwt(fresh).header.kid).toBe(created.kid);
    expect((await listOwn(t, t.admin.token)).statusCode).toBe(200);
    expect((await listOwn(t, fresh)).statusCode).toBe(200);

    t.clock.set(verifyUntil);
    expect((await listKeys(t))[1]).toMatchObject({ kid: oldKid, status: 'expired' });
    expect(await publishedKids(t)).toEqual([created.kid]);
  });

  it('records SIGNING_KEY_ROTATED with the actor, the new kid and the previous one', async () => {
    const t = await startTestApp();
    const oldKid = decodeJwt(t.admin.token).header.kid;
    const { kid } = (await rotate(t, {})).json<KeyInfo>();
    const events = await t.auditEvents('SIGNING_KEY_ROTATED');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor_id: t.admin.identity.id,
      target_type: 'SIGNING_KEY',
      target_id: kid,
      target_name: 'ES256',
      outcome: 'SUCCESS',
    });
    expect(JSON.parse(events[0]!.details)).toEqual({ previousKid: oldKid, algorithm: 'ES256' });
  });

  it('makes a key of the algorithm asked for', async () => {
    const t = await startTestApp();
    const response = await rotate(t, { algorithm: 'EdDSA' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ alg: 'EdDSA', status: 'signing' });
    const token = await t.accessToken(t.admin.patId, t.admin.secret);
    expect(decodeJwt(token).header).toMatchObject({
      alg: 'EdDSA',
      kid: response.json<KeyInfo>().kid,
    });
    expect((await listOwn(t, token)).statusCode).toBe(200);
  });

  it('refuses a USER with 403 and an insufficient_scope challenge', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const response = await expectRefusedKeys(t, () => rotate(t, undefined, bob.token), [
      403,
      '403 Forbidden',
      `Rotating signing keys needs the right ${RIGHTS.allManage}`,
    ]);
    expect(response.headers['www-authenticate']).toBe(
      `Bearer realm="patina", error="insufficient_scope", scope="${RIGHTS.allManage}"`,
    );
    // All-read is not enough to rotate.
    const auditor = await t.user({ name: 'Audrey', login: 'audrey', roles: ['AUDITOR'] });
    await expectRefusedKeys(t, () => rotate(t, undefined, auditor.token), [
      403,
      '403 Forbidden',
      `Rotating signing keys needs the right ${RIGHTS.allManage}`,
    ]);
  });

  it('refuses a symmetric algorithm and unknown fields with 400 naming the field', async () => {
    const t = await startTestApp();
    await expectRefusedKeys(t, () => rotate(t, { algorithm: 'HS256' }), [
      400,
      '400.1.3 Illegal value',
      "'algorithm' must be one of: ES256, EdDSA, RS256",
    ]);
    await expectRefusedKeys(t, () => rotate(t, { kid: 'mine' }), [
      400,
      '400.1 Bad Request Content',
      "Unknown field 'kid': this resource has no such field",
    ]);
  });
});

describe('scheduled rotation (signing.rotateAfterDays)', () => {
  it('rotates in housekeeping once the signing key is old enough, not before', async () => {
    const t = await startTestApp({ config: { signing: { rotateAfterDays: 30 } } });
    const oldKid = decodeJwt(t.admin.token).header.kid;
    t.clock.set(new Date(Date.parse(START) + 30 * DAY_MS - 1));
    await t.services.housekeeping.runOnce();
    expect((await listKeys(t)).map((key) => key.kid)).toEqual([oldKid]);

    t.clock.advance(1);
    await t.services.housekeeping.runOnce();
    const keys = await listKeys(t);
    expect(keys.map((key) => key.status)).toEqual(['signing', 'verifying']);
    expect(keys[1]!.kid).toBe(oldKid);
    const [event] = await t.auditEvents('SIGNING_KEY_ROTATED');
    expect(event).toMatchObject({ actor_id: null, target_id: keys[0]!.kid });

    // The new key is young: the next pass leaves it alone.
    await t.services.housekeeping.runOnce();
    expect(await listKeys(t)).toHaveLength(2);
  });

  it('never rotates by itself when rotateAfterDays is not set', async () => {
    const t = await startTestApp();
    const before = await signingKeyRows(t);
    t.clock.advance(1000 * DAY_MS);
    await t.services.housekeeping.runOnce();
    expect(await signingKeyRows(t)).toEqual(before);
    expect(await t.auditEvents('SIGNING_KEY_ROTATED')).toEqual([]);
  });
});

/** An access token for the admin's PAT, signed by a key Patina did not make here. */
async function foreignToken(t: TestApp, kid: string, privateKey: CryptoKeyLike) {
  const iat = Math.floor(t.clock.now().getTime() / 1000);
  // Every claim Patina mints (the admin's own token's), with a scope and jti of its own.
  const minted = decodeJwt(t.admin.token).payload;
  return new SignJWT({
    ...minted,
    client_id: t.admin.patId,
    scope: RIGHTS.myRead,
    jti: randomBytes(16).toString('hex'),
  })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(ISSUER)
    .setSubject(t.admin.identity.id)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 900)
    .sign(privateKey);
}
type CryptoKeyLike = Parameters<SignJWT['sign']>[0];

describe('keys made by another process (findOrReload)', () => {
  it('picks up a key published by another node the first time it sees its kid', async () => {
    const t = await startTestApp();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const now = t.clock.now().toISOString();
    // As another node leaves it after a rotation: retired, verifying for the overlap.
    await t.storage.db
      .insertInto('signing_keys')
      .values({
        kid,
        alg: 'ES256',
        public_jwk: JSON.stringify({ ...publicJwk, kid, alg: 'ES256', use: 'sig' }),
        private_jwk_enc: 'held-by-the-other-node',
        created: now,
        retired: now,
        verify_until: new Date(t.clock.now().getTime() + HOUR_MS).toISOString(),
      })
      .execute();
    const token = await foreignToken(t, kid, privateKey);
    const response = await listOwn(t, token);
    expect(response.statusCode, response.body).toBe(200);
  });

  it('refuses a made-up kid, reloading the keys at most once per 10 seconds', async () => {
    const t = await startTestApp();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await foreignToken(t, 'made-up-kid', privateKey);
    const reload = vi.spyOn(t.services.keys, 'reload');
    const unknownKey = { error: 'JWT validation failed: JWT signing key is unknown' };
    for (let i = 0; i < 3; i += 1) {
      const response = await listOwn(t, token);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(unknownKey);
    }
    expect(reload).toHaveBeenCalledTimes(1);
    t.clock.advance(9_999);
    expect((await listOwn(t, token)).json()).toEqual(unknownKey);
    expect(reload).toHaveBeenCalledTimes(1);
    t.clock.advance(1);
    expect((await listOwn(t, token)).json()).toEqual(unknownKey);
    expect(reload).toHaveBeenCalledTimes(2);
  });
});

describe('403 on the PAT API', () => {
  it('names the missing right in an insufficient_scope challenge', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const before = await t.snapshot();
    const response = await t.request({ method: 'GET', url: V3, token: bob.token });
    expectSailPointError(response, 403, '403 Forbidden', NEEDS_ALL_READ_OR_ME);
    expect(response.headers['www-authenticate']).toBe(
      `Bearer realm="patina", error="insufficient_scope", scope="${RIGHTS.allRead}"`,
    );
    expect(await t.snapshot()).toEqual(before);
  });
});
