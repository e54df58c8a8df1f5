import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { URLSearchParams, pathToFileURL } from 'node:url';
import { base64urlJson, signEs256 } from './jws.mjs';
import { ROOT } from './patina.mjs';

/**
 * S6's workload issuer on loopback, as a Kubernetes API server is one: one ES256 key, its public
 * half served as a JWK set at `/keys` by node:http inside the bench process (Patina fetches it
 * once per process and caches it, so this server is idle while load runs), and service-account
 * tokens signed with node:crypto, synchronously, so tens of thousands can be made between two
 * measurements. Each token has a jti of its own: Patina exchanges a jti once.
 */

const KID = 'bench-1';

/**
 * @typedef {{
 *   url: string,
 *   jwksUri: string,
 *   jwksFetches: () => number,
 *   signTokens: (options: { subject: string, audience: string, count: number, lifetimeSeconds: number }) => string[],
 *   exchangeBody: (token: string) => string,
 *   close: () => Promise<void>,
 * }} Issuer
 */

/** @returns {Promise<Issuer>} */
export async function startIssuer() {
  // The grant and token type names from the contract's build (`npm run build` makes it first).
  const { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } = await import(
    pathToFileURL(join(ROOT, 'packages/contract/dist/index.js')).href
  );
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const jwks = JSON.stringify({
    keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' }],
  });
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/keys') {
      res.statusCode = 404;
      res.end();
      return;
    }
    fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(jwks);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the issuer has no port');
  const url = `http://127.0.0.1:${address.port}`;
  const header = base64urlJson({ alg: 'ES256', kid: KID, typ: 'JWT' });
  const run = randomBytes(6).toString('hex');
  let made = 0;
  return {
    url,
    jwksUri: `${url}/keys`,
    jwksFetches: () => fetches,
    signTokens({ subject, audience, count, lifetimeSeconds }) {
      const iat = Math.floor(Date.now() / 1000);
      const tokens = [];
      for (let i = 0; i < count; i++) {
        tokens.push(
          signEs256(key, header, {
            iss: url,
            sub: subject,
            aud: audience,
            iat,
            exp: iat + lifetimeSeconds,
            jti: `${run}-${++made}`,
          }),
        );
      }
      return tokens;
    },
    /** One S6 request body: RFC 8693 §2.1, no client authentication (the token is the proof). */
    exchangeBody: (token) =>
      new URLSearchParams({
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: token,
        subject_token_type: TOKEN_TYPES.jwt,
      }).toString(),
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
