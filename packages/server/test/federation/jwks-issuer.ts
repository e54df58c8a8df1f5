import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { onTestFinished } from 'vitest';

/**
 * A workload platform's issuer on loopback, as a Kubernetes API server is one: its service-account
 * tokens signed with jose, its keys served as a JWK set, and an OpenID discovery document naming
 * it. Every request it answers is counted, so a test can see the key set fetched or not.
 */
export interface JwksIssuer {
  url: string;
  jwksUri: string;
  /** How many times the key set was fetched. */
  jwksFetches: () => number;
  /** A token with these claims (iss, iat, exp and jti filled unless given), signed with the current key. */
  sign: (
    claims: Record<string, unknown>,
    options?: { alg?: string; kid?: string; key?: CryptoKey; nowSeconds?: number },
  ) => Promise<string>;
  /** A new current key, published in the set from now on (the old one stays published). */
  addKey: () => Promise<string>;
  close: () => Promise<void>;
}

export async function startJwksIssuer(
  options: { alg?: 'ES256' | 'RS256' | 'EdDSA' } = {},
): Promise<JwksIssuer> {
  const alg = options.alg ?? 'ES256';
  const published: JWK[] = [];
  let current: { key: CryptoKey; kid: string };
  let fetches = 0;
  let counter = 0;
  const addKey = async () => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `key-${++counter}`;
    published.push({ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' });
    current = { key: privateKey, kid };
    return kid;
  };
  await addKey();
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/keys` }));
    } else if (req.url === '/keys') {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: published }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer: JwksIssuer = {
    url,
    jwksUri: `${url}/keys`,
    jwksFetches: () => fetches,
    sign: async (claims, signOptions = {}) => {
      const now = signOptions.nowSeconds ?? Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: url,
        iat: now,
        exp: now + 600,
        jti: `jti-${Math.random().toString(36).slice(2)}`,
        ...claims,
      })
        .setProtectedHeader({
          alg: signOptions.alg ?? alg,
          kid: signOptions.kid ?? current.kid,
          typ: 'JWT',
        })
        .sign(signOptions.key ?? current.key);
    },
    addKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  onTestFinished(() => issuer.close());
  return issuer;
}
