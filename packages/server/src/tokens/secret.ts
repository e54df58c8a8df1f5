import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * PAT secrets. SailPoint's tools check that a secret is 64 characters long, so the length is
 * fixed; within it, a recognisable prefix and a trailing checksum let secret scanners find leaked
 * Patina secrets offline without false positives:
 *
 *   patina_ | 51 random base62 characters (~303 bits) | 6 base62 characters of CRC-32
 */
export const SECRET_PREFIX = 'patina_';
export const SECRET_LENGTH = 64;
const RANDOM_LENGTH = 51;
const CHECKSUM_LENGTH = 6;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_PATTERN = /^patina_[0-9A-Za-z]{57}$/;

/** A fresh secret from the CSPRNG; unbiased base62 by rejection sampling. */
export function makeSecret(): string {
  let body = '';
  while (body.length < RANDOM_LENGTH) {
    for (const byte of randomBytes(64)) {
      // 248 = 4 × 62: bytes at or above it would favour the first characters.
      if (byte < 248 && body.length < RANDOM_LENGTH) body += BASE62[byte % 62];
    }
  }
  const head = SECRET_PREFIX + body;
  return head + checksum(head);
}

/** True when the text has a Patina secret's shape and a valid checksum (for scanners). */
export function isWellFormedSecret(text: string): boolean {
  if (!SECRET_PATTERN.test(text)) return false;
  const head = text.slice(0, SECRET_LENGTH - CHECKSUM_LENGTH);
  return checksum(head) === text.slice(SECRET_LENGTH - CHECKSUM_LENGTH);
}

function checksum(text: string): string {
  let n = crc32(text);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/**
 * Keyed digests of secrets: HMAC-SHA-256 under a key derived from the master key, one key per
 * digest version so the key can change without invalidating stored digests. A fast keyed digest
 * is right here: secrets are 256+ bit random strings, so no password hashing is needed, and a
 * stolen database without the master key cannot be used to test guesses.
 */
export class SecretDigester {
  static readonly CURRENT_VERSION = 1;
  readonly #keys = new Map<number, Buffer>();
  /** A digest of nothing in particular, compared against when there is no PAT, so an unknown
   * client id costs the same as a wrong secret. */
  readonly placeholderDigest: string;

  constructor(masterKey: Buffer) {
    this.#keys.set(1, Buffer.from(hkdfSync('sha256', masterKey, '', 'patina/pat-digest/v1', 32)));
    this.placeholderDigest = this.digest(randomBytes(32).toString('hex')).digest;
  }

  digest(secret: string): { digest: string; version: number } {
    const version = SecretDigester.CURRENT_VERSION;
    return { digest: this.#hmac(version, secret).toString('base64url'), version };
  }

  /** Constant-time comparison of a presented secret with a stored digest. */
  matches(secret: string, stored: { digest: string; version: number }): boolean {
    const key = this.#keys.has(stored.version) ? stored.version : SecretDigester.CURRENT_VERSION;
    const actual = this.#hmac(key, secret);
    const expected = Buffer.from(stored.digest, 'base64url');
    return expected.length === actual.length && timingSafeEqual(actual, expected);
  }

  #hmac(version: number, secret: string): Buffer {
    const key = this.#keys.get(version);
    if (!key) throw new Error(`No digest key for version ${version}`);
    return createHmac('sha256', key).update(secret, 'utf8').digest();
  }
}
