import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  isWellFormedSecret,
  makeSecret,
  SECRET_LENGTH,
  SECRET_PREFIX,
  SecretDigester,
} from '../../src/tokens/secret.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_PART = { start: SECRET_PREFIX.length, end: SECRET_LENGTH - 6 };

describe('makeSecret', () => {
  it('makes a 64-character base62 secret with the patina_ prefix and a valid checksum', () => {
    const secret = makeSecret();
    expect(SECRET_LENGTH).toBe(64);
    expect(SECRET_PREFIX).toBe('patina_');
    expect(secret).toHaveLength(64);
    expect(secret.startsWith('patina_')).toBe(true);
    expect(secret).toMatch(/^patina_[0-9A-Za-z]{57}$/);
    expect(isWellFormedSecret(secret)).toBe(true);
  });

  it('never repeats itself over 1,000 secrets', () => {
    const secrets = new Set(Array.from({ length: 1000 }, () => makeSecret()));
    expect(secrets.size).toBe(1000);
    for (const secret of secrets) expect(isWellFormedSecret(secret)).toBe(true);
  });

  it('uses every one of the 62 characters in the random part over 2,000 secrets', () => {
    // ~102,000 random characters: each character is expected ~1,650 times, so an absent one
    // means a broken alphabet or a biased mapping, never bad luck.
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      for (const char of makeSecret().slice(RANDOM_PART.start, RANDOM_PART.end)) seen.add(char);
    }
    expect([...seen].sort().join('')).toBe([...BASE62].sort().join(''));
  });
});

describe('isWellFormedSecret', () => {
  it('rejects the secret when any one character after the prefix is changed', () => {
    const secret = makeSecret();
    let checked = 0;
    for (let i = SECRET_PREFIX.length; i < SECRET_LENGTH; i++) {
      for (const replacement of BASE62) {
        if (replacement === secret[i]) continue;
        const flipped = secret.slice(0, i) + replacement + secret.slice(i + 1);
        expect(isWellFormedSecret(flipped), `position ${i}`).toBe(false);
        checked++;
      }
    }
    expect(checked).toBe(57 * 61);
  });

  it('rejects a wrong length, a wrong prefix and characters outside base62', () => {
    const secret = makeSecret();
    expect(isWellFormedSecret(secret.slice(0, 63))).toBe(false);
    expect(isWellFormedSecret(secret + 'a')).toBe(false);
    expect(isWellFormedSecret('')).toBe(false);
    expect(isWellFormedSecret('Patina_' + secret.slice(7))).toBe(false);
    expect(isWellFormedSecret('patinb_' + secret.slice(7))).toBe(false);
    expect(isWellFormedSecret('patina-' + secret.slice(7))).toBe(false);
    expect(isWellFormedSecret(secret.slice(0, 20) + '_' + secret.slice(21))).toBe(false);
    expect(isWellFormedSecret(` ${secret.slice(1)}`)).toBe(false);
    expect(isWellFormedSecret(`${secret}\n`)).toBe(false);
  });
});

describe('SecretDigester', () => {
  it('digests to something other than the secret, stably under one master key', () => {
    const masterKey = randomBytes(32);
    const secret = makeSecret();
    const first = new SecretDigester(masterKey).digest(secret);
    const again = new SecretDigester(Buffer.from(masterKey)).digest(secret);
    expect(first.version).toBe(SecretDigester.CURRENT_VERSION);
    expect(first.version).toBe(1);
    // HMAC-SHA-256 in base64url: 32 bytes, 43 characters.
    expect(first.digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.digest).not.toBe(secret);
    expect(first.digest).not.toContain(secret.slice(7, 20));
    expect(again).toEqual(first);
  });

  it('digests differently under another master key', () => {
    const secret = makeSecret();
    const one = new SecretDigester(randomBytes(32)).digest(secret);
    const other = new SecretDigester(randomBytes(32)).digest(secret);
    expect(other.digest).not.toBe(one.digest);
  });

  it('matches the right secret only', () => {
    const digester = new SecretDigester(randomBytes(32));
    const secret = makeSecret();
    const stored = digester.digest(secret);
    expect(digester.matches(secret, stored)).toBe(true);
    expect(digester.matches(makeSecret(), stored)).toBe(false);
    expect(digester.matches(secret.slice(0, 63), stored)).toBe(false);
    expect(digester.matches(`${secret} `, stored)).toBe(false);
    expect(digester.matches('', stored)).toBe(false);
  });

  it('does not match a digest made under another key, whatever its version label', () => {
    const secret = makeSecret();
    const digester = new SecretDigester(randomBytes(32));
    const foreign = new SecretDigester(randomBytes(32)).digest(secret);
    expect(digester.matches(secret, foreign)).toBe(false);
    expect(digester.matches(secret, { digest: foreign.digest, version: 2 })).toBe(false);
  });

  it('does not match a stored digest of the wrong length or encoding', () => {
    const digester = new SecretDigester(randomBytes(32));
    const secret = makeSecret();
    const { digest, version } = digester.digest(secret);
    expect(digester.matches(secret, { digest: digest.slice(0, 40), version })).toBe(false);
    expect(digester.matches(secret, { digest: '', version })).toBe(false);
    expect(digester.matches(secret, { digest: secret, version })).toBe(false);
  });

  it('has a placeholder digest that matches neither an empty string nor any secret', () => {
    const digester = new SecretDigester(randomBytes(32));
    const placeholder = { digest: digester.placeholderDigest, version: 1 };
    expect(digester.placeholderDigest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(digester.matches('', placeholder)).toBe(false);
    for (let i = 0; i < 100; i++) expect(digester.matches(makeSecret(), placeholder)).toBe(false);
    // Each digester draws its own placeholder, so it cannot be learned from another instance.
    expect(new SecretDigester(randomBytes(32)).placeholderDigest).not.toBe(
      digester.placeholderDigest,
    );
  });
});
