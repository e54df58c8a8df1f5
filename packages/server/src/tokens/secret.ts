import { isWellFormedSecret, SECRET_LENGTH, SECRET_PREFIX, secretChecksum } from '@patina/contract';
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * PAT secrets, in the format @patina/contract defines (docs/leaked-secrets.md explains it): 64
 * characters, as SailPoint's tools check, of which a recognisable prefix and a trailing checksum
 * let secret scanners find leaked Patina secrets offline without false positives:
 *
 *   patina_ | 51 random base62 characters (~303 bits) | 6 base62 characters of CRC-32
 */
export { isWellFormedSecret, SECRET_LENGTH, SECRET_PREFIX };
const RANDOM_LENGTH = 51;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

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
  return head + secretChecksum(head);
}

/** A stored digest and the version of the key it was made under. */
export interface StoredDigest {
  digest: string;
  version: number;
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

  digest(secret: string): StoredDigest {
    const version = SecretDigester.CURRENT_VERSION;
    return { digest: this.#hmac(version, secret).toString('base64url'), version };
  }

  /** Constant-time comparison of a presented secret with a stored digest. */
  matches(secret: string, stored: StoredDigest): boolean {
    const key = this.#keys.has(stored.version) ? stored.version : SecretDigester.CURRENT_VERSION;
    const actual = this.#hmac(key, secret);
    const expected = Buffer.from(stored.digest, 'base64url');
    return expected.length === actual.length && timingSafeEqual(actual, expected);
  }

  /**
   * Which of a PAT's two stored secrets `secret` is, with the same work whichever it is or
   * whether the PAT has a previous secret at all (a placeholder stands in): one HMAC per key
   * version and two constant-time comparisons, always.
   */
  matchesEither(
    secret: string,
    current: StoredDigest,
    previous: StoredDigest | null,
  ): 'current' | 'previous' | null {
    const other = previous ?? { digest: this.placeholderDigest, version: current.version };
    const hmacs = new Map<number, Buffer>();
    const compare = (stored: StoredDigest) => {
      const key = this.#keys.has(stored.version) ? stored.version : SecretDigester.CURRENT_VERSION;
      let actual = hmacs.get(key);
      if (!actual) hmacs.set(key, (actual = this.#hmac(key, secret)));
      const expected = Buffer.from(stored.digest, 'base64url');
      return expected.length === actual.length && timingSafeEqual(actual, expected);
    };
    const isCurrent = compare(current);
    const isPrevious = compare(other);
    if (isCurrent) return 'current';
    return isPrevious && previous !== null ? 'previous' : null;
  }

  /** The digests `secret` would have under every key version: to find a PAT by its secret. */
  lookupDigests(secret: string): string[] {
    return [...this.#keys.keys()].map((version) =>
      this.#hmac(version, secret).toString('base64url'),
    );
  }

  #hmac(version: number, secret: string): Buffer {
    const key = this.#keys.get(version);
    if (!key) throw new Error(`No digest key for version ${version}`);
    return createHmac('sha256', key).update(secret, 'utf8').digest();
  }
}
