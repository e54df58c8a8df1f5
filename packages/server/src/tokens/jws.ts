import { type SigningAlgorithm } from '@patina/contract';
import { sign, type KeyObject } from 'node:crypto';

/**
 * JWS Compact Serialization (RFC 7515 §7.1) of a JWT we make ourselves, signed synchronously with
 * node:crypto. jose signs through WebCrypto, whose operations run on libuv's thread pool: on a
 * node pinned to one core, the hop made the token endpoint wait idle for a third of its time
 * (docs/benchmarks.md). Signing needs no parsing of untrusted input, so this small function is
 * safe to own; verification stays with jose, which pins algorithms and types.
 */
export function signJwt(
  header: { alg: SigningAlgorithm; kid: string; typ: string },
  payload: object,
  privateKey: KeyObject,
): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const data = Buffer.from(input);
  const signature =
    header.alg === 'ES256'
      ? // JWS uses the raw r||s form (RFC 7518 §3.4), not DER.
        sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
      : header.alg === 'EdDSA'
        ? sign(null, data, privateKey)
        : sign('sha256', data, privateKey); // RS256: RSASSA-PKCS1-v1_5, node's RSA default
  return `${input}.${signature.toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
