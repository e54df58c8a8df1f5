import { sign } from 'node:crypto';
import { Buffer } from 'node:buffer';

/**
 * Compact ES256 JWTs signed with node:crypto, synchronously: tens of thousands fit between two
 * measurements (jose's async SignJWT is several times slower per token). S6's workload tokens
 * and S7's DPoP proofs are made with it.
 */

/** @param {unknown} value */
export function base64urlJson(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * @param {import('node:crypto').KeyObject} key a P-256 private key
 * @param {string} header the protected header, already base64url(JSON)
 * @param {Record<string, unknown>} claims
 */
export function signEs256(key, header, claims) {
  const input = `${header}.${base64urlJson(claims)}`;
  // RFC 7518 §3.4: ES256 is R || S, 32 bytes each, not DER.
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
