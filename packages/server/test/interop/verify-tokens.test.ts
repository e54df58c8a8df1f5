import { createVerifier } from '@patina/verify';
import {
  base64url,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeJwt, freePort, START } from '../helpers.js';
import {
  JWKS,
  outcome,
  TOKEN_ENDPOINT,
  verifiedPatina,
  type VerifiedPatina,
} from './verify-harness.js';

/**
 * @patina/verify's offline check of an access token (signature against Patina's JWKS, issuer,
 * audience, `typ`, expiry), its JWKS cache across a key rotation, and its set-up, against
 * Patina over real HTTP. Revocation through the event stream: verify-stream.test.ts.
 */

const TIMEOUT = { timeout: 30_000 };
const START_SECONDS = Date.parse(START) / 1000;
const ORDERS = 'https://orders.example.com';
const invalid = (code: string) => ({
  code: 'ERR_TOKEN_INVALID',
  message: `The access token is not valid: ${code}`,
});

describe('@patina/verify: a Patina access token, checked offline', TIMEOUT, () => {
  it('accepts a live token and answers its claims; fetches the JWKS once', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier();
    const pat = await p.t.mintPat(p.t.admin.identity.id, { name: 'ci', scope: ['orders:read'] });
    const token = await p.t.accessToken(pat.id, pat.secret);
    const claims = await verifier.verify(token);
    expect(claims).toEqual({
      ...decodeJwt(token).payload,
      iss: p.base,
      aud: p.base,
      sub: p.t.admin.identity.id,
      client_id: pat.id,
      scope: 'orders:read',
      iat: START_SECONDS,
      exp: START_SECONDS + 43_200,
    });
    expect((await verifier.verify(p.t.admin.token)).client_id).toBe(p.t.admin.patId);
    expect(p.network.to(JWKS)).toEqual([{ method: 'GET', path: JWKS, status: 200 }]);
    expect(verifier.fresh).toBe(true);
    expect(verifier.streamId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('takes only tokens for its audience (RFC 8707 resource)', async () => {
    const p = await verifiedPatina({ config: { resources: [ORDERS] } });
    const forOrders = await resourceToken(p, [ORDERS]);
    const forBoth = await resourceToken(p, [ORDERS, p.base]);
    const patina = await p.verifier();
    const orders = await p.verifier({ audience: ORDERS });
    expect(await outcome(patina, forOrders)).toEqual(invalid('ERR_JWT_CLAIM_VALIDATION_FAILED'));
    expect(await outcome(orders, p.t.admin.token)).toEqual(
      invalid('ERR_JWT_CLAIM_VALIDATION_FAILED'),
    );
    expect(await outcome(orders, forOrders)).toEqual({ client_id: p.t.admin.patId });
    expect(await outcome(orders, forBoth)).toEqual({ client_id: p.t.admin.patId });
    expect(await outcome(patina, forBoth)).toEqual({ client_id: p.t.admin.patId });
  });

  it('refuses a token from another issuer, or not typed at+jwt, though its key is published', async () => {
    const p = await verifiedPatina();
    // A key of the test's own, added to the JWKS the verifier reads: the claims alone decide.
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const ownKey: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256' };
    p.network.rewrite(JWKS, (body) => ({ keys: [...(body.keys as JWK[]), ownKey] }));
    const verifier = await p.verifier();
    const claims = decodeJwt(p.t.admin.token).payload as JWTPayload;
    const sign = (payload: JWTPayload, typ = 'at+jwt') =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key', typ })
        .sign(privateKey);

    expect(await outcome(verifier, await sign(claims))).toEqual({ client_id: p.t.admin.patId });
    for (const iss of ['http://patina.test', `${p.base}/`, undefined]) {
      expect(await outcome(verifier, await sign({ ...claims, iss }))).toEqual(
        invalid('ERR_JWT_CLAIM_VALIDATION_FAILED'),
      );
    }
    for (const typ of ['JWT', 'secevent+jwt']) {
      expect(await outcome(verifier, await sign(claims, typ))).toEqual(
        invalid('ERR_JWT_CLAIM_VALIDATION_FAILED'),
      );
    }
  });

  it('refuses unsigned, HMAC-signed, altered and malformed tokens (RFC 8725 §3.1)', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier();
    const token = p.t.admin.token;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const { kid } = decodeProtectedHeader(token);
    const part = (value: unknown) => base64url.encode(JSON.stringify(value));
    const unsigned = `${part({ alg: 'none', kid, typ: 'at+jwt' })}.${payload}.`;
    // The published public key used as an HMAC secret: the classic algorithm confusion.
    const jwks = (await (await fetch(`${p.base}${JWKS}`)).json()) as { keys: JWK[] };
    const hmacInput = `${part({ alg: 'HS256', kid, typ: 'at+jwt' })}.${payload}`;
    const hmac = createHmac('sha256', JSON.stringify(jwks.keys[0]))
      .update(hmacInput)
      .digest('base64url');
    const claims = decodeJwt(token).payload;
    const altered = `${header}.${part({ ...claims, scope: 'sp:scopes:all' })}.${signature}`;

    expect(await outcome(verifier, unsigned)).toEqual(invalid('ERR_JOSE_NOT_SUPPORTED'));
    expect(await outcome(verifier, `${hmacInput}.${hmac}`)).toEqual(
      invalid('ERR_JOSE_NOT_SUPPORTED'),
    );
    expect(await outcome(verifier, altered)).toEqual(
      invalid('ERR_JWS_SIGNATURE_VERIFICATION_FAILED'),
    );
    expect(await outcome(verifier, 'not.a.jwt')).toEqual(invalid('ERR_JWS_INVALID'));
    expect(await outcome(verifier, '')).toEqual(invalid('ERR_JWS_INVALID'));
  });

  it('refuses an expired token after 5 s of tolerance, or after clockToleranceSeconds', async () => {
    const p = await verifiedPatina();
    const dev = await p.t.user({ name: 'Dev', login: 'dev' });
    const pat = await p.t.mintPat(dev.identity.id, {
      name: 'short',
      accessTokenValiditySeconds: 15,
    });
    const token = await p.t.accessToken(pat.id, pat.secret);
    expect(decodeJwt(token).payload.exp).toBe(START_SECONDS + 15);
    // A day of staleness: here only the expiry decides.
    const lenient = await p.verifier({ maxStalenessMs: 86_400_000 });
    const strict = await p.verifier({ maxStalenessMs: 86_400_000, clockToleranceSeconds: 0 });
    const wide = await p.verifier({ maxStalenessMs: 86_400_000, clockToleranceSeconds: 60 });

    p.advance(14_000);
    expect(await outcome(strict, token)).toEqual({ client_id: pat.id });
    p.advance(1000);
    expect(await outcome(strict, token)).toEqual(invalid('ERR_JWT_EXPIRED'));
    p.advance(4000);
    expect(await outcome(lenient, token)).toEqual({ client_id: pat.id });
    p.advance(1000);
    expect(await outcome(lenient, token)).toEqual(invalid('ERR_JWT_EXPIRED'));
    expect(await outcome(wide, token)).toEqual({ client_id: pat.id });
    p.advance(55_000);
    expect(await outcome(wide, token)).toEqual(invalid('ERR_JWT_EXPIRED'));
  });
});

describe('@patina/verify across a signing key rotation', TIMEOUT, () => {
  it('fetches the JWKS again for an unknown kid, once jose’s 30 s cool-down is over', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier({ maxStalenessMs: 86_400_000 });
    const oldToken = p.t.admin.token;
    expect(await outcome(verifier, oldToken)).toEqual({ client_id: p.t.admin.patId });
    expect(p.network.to(JWKS)).toHaveLength(1);

    p.advance(1000);
    const rotated = await rotateSigningKey(p, 'EdDSA');
    const newToken = await p.t.accessToken(p.t.admin.patId, p.t.admin.secret);
    expect(decodeProtectedHeader(newToken)).toEqual({
      alg: 'EdDSA',
      kid: rotated.kid,
      typ: 'at+jwt',
    });
    // Within 30 s of its last fetch, jose does not fetch again for an unknown kid: a token of
    // the new key is refused until then (an attacker's random kids cannot make it fetch).
    expect(await outcome(verifier, newToken)).toEqual(invalid('ERR_JWKS_NO_MATCHING_KEY'));
    expect(p.network.to(JWKS)).toHaveLength(1);

    p.advance(29_000);
    expect(await outcome(verifier, newToken)).toEqual({ client_id: p.t.admin.patId });
    expect(p.network.to(JWKS)).toHaveLength(2);
    // The old key stays published through the overlap: old tokens still verify.
    expect(await outcome(verifier, oldToken)).toEqual({ client_id: p.t.admin.patId });
    expect(p.network.to(JWKS)).toHaveLength(2);
  });

  it('verifies tokens of both keys when its first fetch comes after the rotation', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier();
    const oldToken = p.t.admin.token;
    p.advance(1000);
    await rotateSigningKey(p, 'RS256');
    const newToken = await p.t.accessToken(p.t.admin.patId, p.t.admin.secret);
    expect(await outcome(verifier, newToken)).toEqual({ client_id: p.t.admin.patId });
    expect(await outcome(verifier, oldToken)).toEqual({ client_id: p.t.admin.patId });
    expect(p.network.to(JWKS)).toHaveLength(1);
  });
});

describe('createVerifier: discovery and opening the stream', TIMEOUT, () => {
  it('opens a poll stream of its own client for the two revocation events', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier({}, await ssfClient(p));
    expect(p.network.calls.map((call) => `${call.method} ${call.path} ${call.status}`)).toEqual([
      'GET /.well-known/oauth-authorization-server 200',
      'GET /.well-known/ssf-configuration 200',
      `POST ${TOKEN_ENDPOINT} 200`,
      'POST /ssf/streams 201',
      `POST /ssf/poll/${verifier.streamId} 200`,
    ]);
    const streams = await p.t.request({
      method: 'GET',
      url: `/ssf/streams?stream_id=${verifier.streamId}`,
      token: (await p.t.user({ name: 'Other', login: 'other', rights: ['ssf.read'] })).token,
    });
    expect(streams.statusCode).toBe(404);
  });

  it('takes an issuer with a trailing slash', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier({ issuer: `${p.base}/` });
    expect(await outcome(verifier, p.t.admin.token)).toEqual({ client_id: p.t.admin.patId });
  });

  it('fails with ERR_SETUP_FAILED when Patina cannot be discovered', async () => {
    const p = await verifiedPatina();
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    for (const issuer of [nowhere, `${p.base}/elsewhere`]) {
      const error = await createVerifier({
        issuer,
        audience: p.base,
        clientId: p.t.admin.patId,
        clientSecret: p.t.admin.secret,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'VerifyError',
        code: 'ERR_SETUP_FAILED',
        message: `Cannot discover Patina at ${issuer}`,
      });
    }
  });

  it('fails with ERR_SETUP_FAILED when its client cannot get a token or open a stream', async () => {
    const p = await verifiedPatina();
    const dev = await p.t.user({ name: 'Dev', login: 'dev' });
    const attempt = (clientId: string, clientSecret: string) =>
      createVerifier({ issuer: p.base, audience: p.base, clientId, clientSecret }).catch(
        (e: unknown) => e,
      );
    expect(await attempt(dev.patId, p.t.admin.secret)).toMatchObject({
      code: 'ERR_SETUP_FAILED',
      message: 'The token endpoint answered 401',
    });
    expect(await attempt(dev.patId, dev.secret)).toMatchObject({
      code: 'ERR_SETUP_FAILED',
      message: 'Opening the event stream answered 403',
    });
  });
});

async function resourceToken(p: VerifiedPatina, resources: string[]): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: p.t.admin.patId,
    client_secret: p.t.admin.secret,
  });
  for (const resource of resources) form.append('resource', resource);
  const response = await fetch(`${p.base}${TOKEN_ENDPOINT}`, { method: 'POST', body: form });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function rotateSigningKey(p: VerifiedPatina, algorithm: string): Promise<{ kid: string }> {
  const response = await p.t.request({
    method: 'POST',
    url: '/patina/v1/signing-keys/rotate',
    token: p.t.admin.token,
    json: { algorithm },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ kid: string }>();
}

/** A client holding only ssf.manage: what a resource server's verifier needs. */
async function ssfClient(p: VerifiedPatina) {
  return p.t.user({ name: 'Orders API', login: 'orders-api', rights: ['ssf.manage'] });
}
