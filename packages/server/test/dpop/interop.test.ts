import type { AccessTokenClaims } from '@patina/contract';
import { fastifyVerifier, type Verifier } from '@patina/verify';
import Fastify from 'fastify';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as client from 'openid-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { decodeJwt, freePort, startListeningApp, V3, type TestUser } from '../helpers.js';
import { developer, verifiedPatina } from '../interop/verify-harness.js';

/**
 * DPoP (RFC 9449) with openid-client (panva's certified client, unchanged) as the client: it asks
 * Patina's token endpoint for a sender-constrained token, answers a server nonce by itself, and
 * signs a proof for each call to a resource, whether Patina's own API or one behind
 * @patina/verify. Over real HTTP, on each database.
 */

const TIMEOUT = { timeout: 30_000 };
const DPOP_ALGS = 'ES256 RS256 PS256 EdDSA';
const MINE = `${V3}?owner-id=me`;

type AuthMethod = 'client_secret_basic' | 'client_secret_post';
const METHODS: AuthMethod[] = ['client_secret_basic', 'client_secret_post'];

/**
 * A Patina listening on 127.0.0.1 on the real time (openid-client dates its proofs by Date), and
 * a user who made its PAT at that time.
 */
async function listening(config: Record<string, unknown> = {}) {
  const { t, base } = await startListeningApp({ config });
  t.clock.set(new Date());
  const user = await t.user({ name: 'Dee Pop', login: 'deepop' });
  return { t, base, user };
}

/** openid-client's discovery of Patina as a plain OAuth 2.0 server, for one PAT as the client. */
function discover(
  base: string,
  user: TestUser,
  method: AuthMethod = 'client_secret_basic',
): Promise<client.Configuration> {
  const auth =
    method === 'client_secret_basic'
      ? client.ClientSecretBasic(user.secret)
      : client.ClientSecretPost(user.secret);
  return client.discovery(new URL(base), user.patId, user.secret, auth, {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
  });
}

/** The RFC 7638 thumbprint of a key pair's public key: the `cnf.jkt` of a token bound to it. */
async function thumbprint(keyPair: CryptoKeyPair): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256');
}

/** One HTTP exchange of openid-client: the nonce its proof carried, and the nonce it was given. */
interface Exchange {
  method: string;
  path: string;
  proofNonce: unknown;
  status: number;
  dpopNonce: string | null;
}

/** Records every request openid-client makes with `config` from now on (its customFetch). */
function record(config: client.Configuration): Exchange[] {
  const exchanges: Exchange[] = [];
  config[client.customFetch] = async (url, options) => {
    // openid-client types a body as Uint8Array<ArrayBufferLike>, which TypeScript's RequestInit
    // does not take (it wants an ArrayBuffer behind it); Node's fetch takes either.
    const response = await fetch(url, options as RequestInit);
    const proof = options.headers.dpop;
    exchanges.push({
      method: options.method,
      path: new URL(url).pathname,
      proofNonce: proof === undefined ? 'no proof' : decodeJwt(proof).payload.nonce,
      status: response.status,
      dpopNonce: response.headers.get('dpop-nonce'),
    });
    return response;
  };
  return exchanges;
}

/** openid-client's GET of a protected resource, with a proof of `DPoP`'s key (RFC 9449 §7). */
function getWithProof(
  config: client.Configuration,
  token: string,
  url: URL,
  DPoP: client.DPoPHandle,
): Promise<Response> {
  return client.fetchProtectedResource(config, token, url, 'GET', undefined, undefined, { DPoP });
}

/** Runs `send`, which must reject, and returns what it rejected with. */
async function rejection(send: () => Promise<unknown>): Promise<unknown> {
  try {
    await send();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** GET `url` with the token as a plain bearer token (no proof), as a copied token would come. */
async function asBearer(url: string, token: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json()) as unknown,
  };
}

describe.each(METHODS)('openid-client DPoP at Patina with %s', TIMEOUT, (method) => {
  it('gets a DPoP-bound token, and calls the PAT API with proofs; as a bearer token it is refused', async () => {
    const { base, user } = await listening();
    const config = await discover(base, user, method);
    expect(config.serverMetadata().dpop_signing_alg_values_supported).toEqual(DPOP_ALGS.split(' '));
    const keyPair = await client.randomDPoPKeyPair();
    const DPoP = client.getDPoPHandle(config, keyPair);

    const response = await client.clientCredentialsGrant(config, {}, { DPoP });
    expect(response.token_type).toBe('dpop');
    const token = response.access_token;
    expect(decodeJwt(token).payload).toMatchObject({
      client_id: user.patId,
      cnf: { jkt: await thumbprint(keyPair) },
    });
    expect(await client.tokenIntrospection(config, token)).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: await thumbprint(keyPair) },
    });

    const mine = await getWithProof(config, token, new URL(`${base}${MINE}`), DPoP);
    expect(mine.status).toBe(200);
    const pats = (await mine.json()) as { id: string }[];
    expect(pats.map((pat) => pat.id)).toEqual([user.patId]);

    const copied = await asBearer(`${base}${MINE}`, token);
    expect(copied).toEqual({
      status: 401,
      challenge: expect.stringMatching(
        new RegExp(`^DPoP algs="${DPOP_ALGS}", error="invalid_token"`),
      ) as unknown,
      body: {
        error:
          'JWT validation failed: the token is DPoP-bound: send it with the DPoP scheme and a DPoP proof',
      },
    });
  });
});

describe('openid-client and the DPoP nonce Patina requires', TIMEOUT, () => {
  it('answers use_dpop_nonce by itself, at the token endpoint and at the API', async () => {
    const { base, user } = await listening({ dpop: { requireNonce: true } });
    const config = await discover(base, user);
    const exchanges = record(config);
    const keyPair = await client.randomDPoPKeyPair();
    const DPoP = client.getDPoPHandle(config, keyPair);

    const { access_token: token, token_type } = await client.clientCredentialsGrant(
      config,
      {},
      { DPoP },
    );
    expect(token_type).toBe('dpop');
    const nonce = exchanges[0]?.dpopNonce;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    // The first proof has no nonce: Patina answers 400 use_dpop_nonce with one, and openid-client
    // asks again with it.
    expect(exchanges).toEqual([
      {
        method: 'POST',
        path: '/oauth/token',
        proofNonce: undefined,
        status: 400,
        dpopNonce: nonce,
      },
      { method: 'POST', path: '/oauth/token', proofNonce: nonce, status: 200, dpopNonce: null },
    ]);

    // The handle keeps the nonce for Patina's origin: its first call to the API carries it.
    const url = new URL(`${base}${MINE}`);
    const mine = await getWithProof(config, token, url, DPoP);
    expect(mine.status).toBe(200);
    expect(exchanges.slice(2)).toEqual([
      { method: 'GET', path: V3, proofNonce: nonce, status: 200, dpopNonce: null },
    ]);

    // A new handle of the same key knows no nonce: the API answers 401 with the DPoP challenge
    // use_dpop_nonce and the nonce, and openid-client calls again with it.
    const fresh = client.getDPoPHandle(config, keyPair);
    const again = await getWithProof(config, token, url, fresh);
    expect(again.status).toBe(200);
    expect(exchanges.slice(3)).toEqual([
      { method: 'GET', path: V3, proofNonce: undefined, status: 401, dpopNonce: nonce },
      { method: 'GET', path: V3, proofNonce: nonce, status: 200, dpopNonce: null },
    ]);
  });
});

/**
 * An orders API behind @patina/verify's Fastify hook, its public base URL being where it listens
 * (the htu of the proofs it accepts); it answers the caller's claims.
 */
async function ordersApi(verifier: Verifier): Promise<string> {
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  const app = Fastify();
  app.addHook('onRequest', fastifyVerifier(verifier, { publicBaseUrl }));
  app.get('/orders', (request) => {
    const { client_id, cnf } = (request as unknown as { patina: AccessTokenClaims }).patina;
    return { client_id, cnf };
  });
  onTestFinished(() => app.close());
  await app.listen({ host: '127.0.0.1', port });
  return publicBaseUrl;
}

describe('openid-client DPoP at an API behind @patina/verify', TIMEOUT, () => {
  it('lets in the key’s proofs, and refuses the token as bearer or with another key’s proof', async () => {
    // Patina, the verifier and openid-client's proofs all read the time of Patina's clock.
    const patina = await verifiedPatina();
    const api = await ordersApi(await patina.verifier());
    const dev = await developer(patina.t);
    const config = await discover(patina.base, dev);
    const keyPair = await client.randomDPoPKeyPair();
    const DPoP = client.getDPoPHandle(config, keyPair);
    const { access_token: token } = await client.clientCredentialsGrant(config, {}, { DPoP });
    const orders = new URL(`${api}/orders`);
    const call = (handle: client.DPoPHandle) => getWithProof(config, token, orders, handle);

    const ok = await call(DPoP);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      client_id: dev.patId,
      cnf: { jkt: await thumbprint(keyPair) },
    });

    expect(await asBearer(orders.href, token)).toEqual({
      status: 401,
      challenge: `DPoP algs="${DPOP_ALGS}", error="invalid_dpop_proof"`,
      body: {
        error: 'invalid_dpop_proof',
        error_description: 'the token is DPoP-bound: send it with the DPoP scheme and a DPoP proof',
      },
    });

    // A second openid-client handle, of another key pair, signs proofs the token is not bound to.
    const other = client.getDPoPHandle(config, await client.randomDPoPKeyPair());
    const error = await rejection(() => call(other));
    expect(error).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    const challenge = error as client.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause).toEqual([
      { scheme: 'dpop', parameters: { algs: DPOP_ALGS, error: 'invalid_dpop_proof' } },
    ]);
    expect(await challenge.response.json()).toEqual({
      error: 'invalid_dpop_proof',
      error_description:
        'the DPoP proof is signed by another key than the one the token is bound to',
    });

    // The key's own handle is still let in.
    expect((await call(DPoP)).status).toBe(200);
  });
});
