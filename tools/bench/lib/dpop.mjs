import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { base64urlJson, signEs256 } from './jws.mjs';

/**
 * S7's client side of DPoP (RFC 9449): one ES256 key, and proofs signed with it by node:crypto.
 * A proof names one request (`htm`, `htu`: the URL without its query, as the client addressed
 * it), `iat`, a `jti` of its own (Patina accepts a jti once) and, sent with a token, `ath`.
 *
 * @typedef {{
 *   proof: (request: { htm: string, htu: string, accessToken?: string }) => string,
 *   proofs: (request: { htm: string, htu: string, accessToken: string, count: number }) => string[],
 * }} DpopClient
 */

/** @returns {DpopClient} */
export function dpopClient() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  // §4.2: the public key in the header, and nothing private.
  const header = base64urlJson({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } });
  const run = randomBytes(6).toString('hex');
  let made = 0;
  /** @param {{ htm: string, htu: string, accessToken?: string }} request @param {number} iat */
  const sign = ({ htm, htu, accessToken }, iat) =>
    signEs256(privateKey, header, {
      htm,
      htu,
      iat,
      jti: `${run}-${++made}`,
      ...(accessToken !== undefined && { ath: tokenHash(accessToken) }),
    });
  const now = () => Math.floor(Date.now() / 1000);
  return {
    proof: (request) => sign(request, now()),
    // One iat for the batch, the time it is made: Patina takes each for dpop.proofMaxAgeSeconds.
    proofs({ count, ...request }) {
      const iat = now();
      return Array.from({ length: count }, () => sign(request, iat));
    },
  };
}

/** RFC 9449 §4.2 `ath`: base64url of the SHA-256 of the access token. */
function tokenHash(accessToken) {
  return createHash('sha256').update(accessToken).digest('base64url');
}
