import { type SigningAlgorithm } from '@patina/contract';
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, SignJWT, type JWK } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { Storage } from '../../src/storage/repositories.js';
import { AccessTokenError, AccessTokens, type MintInput } from '../../src/tokens/access-tokens.js';
import { SigningKeys } from '../../src/tokens/signing-keys.js';
import { openTestStorage } from '../dialect.js';
import { HEX32, ISSUER } from '../helpers.js';

/** Fresh storage on this file's dialect, closed when the test ends. */
async function freshStorage(): Promise<Storage> {
  const storage = await openTestStorage();
  onTestFinished(() => storage.close());
  return storage;
}

async function keySet(algorithm: SigningAlgorithm = 'ES256') {
  const storage = await freshStorage();
  const clock = new ManualClock('2026-01-15T10:00:00.000Z');
  const masterKey = randomBytes(32);
  const keys = new SigningKeys(storage, masterKey, clock);
  await keys.init(algorithm);
  const tokens = new AccessTokens({
    keys,
    clock,
    issuer: ISSUER,
    audience: ISSUER,
    tenantId: 't'.repeat(32),
    org: 'patina',
  });
  return { storage, clock, masterKey, keys, tokens };
}

const INPUT: MintInput = {
  identityId: 'a'.repeat(32),
  userName: 'ada',
  authorities: ['ORG_ADMIN'],
  patId: 'b'.repeat(32),
  scopes: ['sp:my-personal-access-tokens:read', 'orders:read'],
  validitySeconds: 900,
};

async function refusal(verify: Promise<unknown>) {
  try {
    await verify;
  } catch (error) {
    if (error instanceof AccessTokenError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the token was accepted');
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('SigningKeys', () => {
  it('makes one ES256 key on first init and reuses it afterwards', async () => {
    const { storage, masterKey, keys, clock } = await keySet();
    const rows = await storage.repos.signingKeys.all();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kid: keys.current().kid,
      alg: 'ES256',
      created: '2026-01-15T10:00:00.000Z',
      retired: null,
    });

    // A second process over the same database, even one configured for another algorithm.
    const again = new SigningKeys(storage, masterKey, clock);
    await again.init('EdDSA');
    expect(await storage.repos.signingKeys.all()).toHaveLength(1);
    expect(again.current().kid).toBe(keys.current().kid);
    expect(again.current().alg).toBe('ES256');
  });

  it('names the key by its RFC 7638 thumbprint', async () => {
    const { storage, keys } = await keySet();
    const row = (await storage.repos.signingKeys.all())[0]!;
    const publicJwk = JSON.parse(row.public_jwk) as JWK;
    expect(publicJwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String) as string,
      y: expect.any(String) as string,
      kid: row.kid,
      alg: 'ES256',
      use: 'sig',
    });
    const { kty, crv, x, y } = publicJwk;
    expect(row.kid).toBe(await calculateJwkThumbprint({ kty, crv, x, y }, 'sha256'));
    expect(row.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys.current().publicJwk).toEqual(publicJwk);
    expect(keys.find(row.kid)).toMatchObject({ kid: row.kid, alg: 'ES256' });
    expect(keys.find('unknown')).toBeUndefined();
  });

  it('stores the private key encrypted, never in clear', async () => {
    const { storage, keys } = await keySet();
    const row = (await storage.repos.signingKeys.all())[0]!;
    const privateJwk = keys.current().privateKey.export({ format: 'jwk' });
    const d = privateJwk.d!;
    expect(d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(row.private_jwk_enc).not.toContain(d);
    expect(row.private_jwk_enc).not.toContain('"d"');
    expect(Buffer.from(row.private_jwk_enc, 'base64url').includes(Buffer.from(d))).toBe(false);
    expect(
      Buffer.from(row.private_jwk_enc, 'base64url').includes(Buffer.from(d, 'base64url')),
    ).toBe(false);
    expect(row.public_jwk).not.toContain(d);
  });

  it('cannot load the key under another master key', async () => {
    const { storage, keys, clock } = await keySet();
    const other = new SigningKeys(storage, randomBytes(32), clock);
    await expect(other.init('ES256')).rejects.toThrow(
      `Cannot decrypt signing key ${keys.current().kid}: the master key differs from the one it was stored under`,
    );
  });

  it('makes a new key when every key is retired, and still verifies with the old one', async () => {
    const { storage, masterKey, keys, tokens, clock } = await keySet();
    const { token } = await tokens.mint(INPUT);
    const oldKid = keys.current().kid;
    await storage.db
      .updateTable('signing_keys')
      .set({ retired: '2026-01-15T10:00:00.000Z' })
      .execute();
    clock.advance(1000);

    const rotated = new SigningKeys(storage, masterKey, clock);
    await rotated.init('ES256');
    expect(rotated.current().kid).not.toBe(oldKid);
    expect(await storage.repos.signingKeys.all()).toHaveLength(2);
    expect(rotated.find(oldKid)).toMatchObject({ kid: oldKid });

    const after = new AccessTokens({
      keys: rotated,
      clock,
      issuer: ISSUER,
      audience: ISSUER,
      tenantId: 't'.repeat(32),
      org: 'patina',
    });
    expect((await after.verify(token)).client_id).toBe(INPUT.patId);
    const fresh = await after.mint(INPUT);
    expect(decodeProtectedHeader(fresh.token).kid).toBe(rotated.current().kid);
  });
});

describe('AccessTokens', () => {
  for (const [alg, kty] of [
    ['ES256', 'EC'],
    ['EdDSA', 'OKP'],
    ['RS256', 'RSA'],
  ] as const) {
    it(`mints and verifies ${alg} tokens`, async () => {
      const { keys, tokens } = await keySet(alg);
      expect(keys.current().alg).toBe(alg);
      expect(keys.current().publicJwk.kty).toBe(kty);
      const { token, claims } = await tokens.mint(INPUT);
      expect(decodeProtectedHeader(token)).toEqual({
        alg,
        kid: keys.current().kid,
        typ: 'at+jwt',
      });
      expect(claims).toEqual({
        iss: ISSUER,
        sub: INPUT.identityId,
        aud: ISSUER,
        iat: 1_768_471_200,
        exp: 1_768_471_200 + 900,
        jti: expect.stringMatching(HEX32) as string,
        client_id: INPUT.patId,
        scope: 'sp:my-personal-access-tokens:read orders:read',
        identity_id: INPUT.identityId,
        user_name: 'ada',
        authorities: ['ORG_ADMIN'],
        tenant_id: 't'.repeat(32),
        org: 'patina',
      });
      expect(await tokens.verify(token)).toEqual(claims);
    });
  }

  it('gives every token its own jti', async () => {
    const { tokens } = await keySet();
    const a = await tokens.mint(INPUT);
    const b = await tokens.mint(INPUT);
    expect(a.claims.jti).not.toBe(b.claims.jti);
  });

  it('refuses a token from another key set', async () => {
    const ours = await keySet();
    const theirs = await keySet();
    const { token } = await theirs.tokens.mint(INPUT);
    expect(await refusal(ours.tokens.verify(token))).toEqual({
      code: 'TOKEN_KEY_UNKNOWN',
      message: 'JWT signing key is unknown',
    });
  });

  it('refuses a token signed by another key under our kid', async () => {
    const ours = await keySet();
    const theirs = await keySet();
    const forged = await new SignJWT({ ...INPUT, client_id: INPUT.patId })
      .setProtectedHeader({ alg: 'ES256', kid: ours.keys.current().kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(ISSUER)
      .setSubject(INPUT.identityId)
      .setJti('c'.repeat(32))
      .setIssuedAt(1_768_471_200)
      .setExpirationTime(1_768_471_200 + 900)
      .sign(theirs.keys.current().privateKey);
    expect(await refusal(ours.tokens.verify(forged))).toEqual({
      code: 'TOKEN_SIGNATURE_INVALID',
      message: 'JWT signature is invalid',
    });
  });

  it('refuses alg none and symmetric algorithms', async () => {
    const { keys, tokens } = await keySet();
    const { token, claims } = await tokens.mint(INPUT);
    const kid = keys.current().kid;
    const unsigned = `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${token.split('.')[1]}.`;
    expect(await refusal(tokens.verify(unsigned))).toEqual({
      code: 'TOKEN_SIGNATURE_INVALID',
      message: 'JWT algorithm is not allowed',
    });
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
      .sign(randomBytes(32));
    expect(await refusal(tokens.verify(hmac))).toEqual({
      code: 'TOKEN_SIGNATURE_INVALID',
      message: 'JWT algorithm is not allowed',
    });
  });

  it('refuses a token whose algorithm differs from its key', async () => {
    const ours = await keySet('ES256');
    const rsa = await keySet('RS256');
    const { claims } = await ours.tokens.mint(INPUT);
    const other = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: ours.keys.current().kid, typ: 'at+jwt' })
      .sign(rsa.keys.current().privateKey);
    expect(await refusal(ours.tokens.verify(other))).toEqual({
      code: 'TOKEN_SIGNATURE_INVALID',
      message: 'JWT algorithm does not match its key',
    });
  });

  it('refuses an expired token, from the second exp names', async () => {
    const { clock, tokens } = await keySet();
    const { token } = await tokens.mint(INPUT);
    clock.advance(899_999);
    expect((await tokens.verify(token)).client_id).toBe(INPUT.patId);
    clock.advance(1);
    expect(await refusal(tokens.verify(token))).toEqual({
      code: 'TOKEN_EXPIRED',
      message: 'JWT is expired',
    });
  });

  it('refuses a token for another issuer or audience, and one without typ at+jwt', async () => {
    const { keys, clock, tokens } = await keySet();
    const { token, claims } = await tokens.mint(INPUT);
    const base = { keys, clock, tenantId: 't'.repeat(32), org: 'patina' };
    const otherIssuer = new AccessTokens({ ...base, issuer: 'http://other', audience: ISSUER });
    expect(await refusal(otherIssuer.verify(token))).toEqual({
      code: 'TOKEN_CLAIM_INVALID',
      message: 'JWT claim is invalid: iss',
    });
    const otherAudience = new AccessTokens({ ...base, issuer: ISSUER, audience: 'http://other' });
    expect(await refusal(otherAudience.verify(token))).toEqual({
      code: 'TOKEN_CLAIM_INVALID',
      message: 'JWT claim is invalid: aud',
    });
    const plainJwt = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: keys.current().kid, typ: 'JWT' })
      .sign(keys.current().privateKey);
    expect(await refusal(tokens.verify(plainJwt))).toEqual({
      code: 'TOKEN_CLAIM_INVALID',
      message: 'JWT claim is invalid: typ',
    });
  });

  it('refuses malformed tokens without quoting them', async () => {
    const { tokens } = await keySet();
    const malformed = { code: 'TOKEN_MALFORMED', message: 'JWT is malformed' };
    for (const token of ['', 'not-a-jwt', 'a.b.c', 'a.b.c.d']) {
      expect(await refusal(tokens.verify(token))).toEqual(malformed);
    }
    expect(await refusal(tokens.verify(`${b64({ alg: 'ES256', typ: 'at+jwt' })}.e30.`))).toEqual({
      code: 'TOKEN_KEY_UNKNOWN',
      message: 'JWT signing key is unknown',
    });
  });
});
