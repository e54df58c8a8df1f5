import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isWellFormedSecret, SECRET_CANDIDATE_PATTERN, secretChecksum } from '../src/secrets.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A secret made the way docs/decisions.md ("Secrets") describes, checksummed by node:zlib. */
function secret(): string {
  const body = [...randomBytes(51)].map((byte) => BASE62[byte % 62]).join('');
  const head = `patina_${body}`;
  let n = crc32(head);
  let tail = '';
  for (let i = 0; i < 6; i++) {
    tail = BASE62[n % 62]! + tail;
    n = Math.floor(n / 62);
  }
  return head + tail;
}

describe('secrets', () => {
  it('the checksum is zlib’s CRC-32 in six base62 digits', () => {
    for (let i = 0; i < 500; i++) {
      const s = secret();
      expect(secretChecksum(s.slice(0, 58))).toBe(s.slice(58));
      expect(isWellFormedSecret(s)).toBe(true);
    }
  });

  it('a changed character, a wrong prefix or length is not a secret', () => {
    const s = secret();
    const last = BASE62[(BASE62.indexOf(s.at(-1)!) + 1) % 62]!;
    expect(isWellFormedSecret(s.slice(0, -1) + last)).toBe(false);
    expect(isWellFormedSecret(`x${s.slice(1)}`)).toBe(false);
    expect(isWellFormedSecret(s.slice(0, -1))).toBe(false);
    expect(isWellFormedSecret(`${s}0`)).toBe(false);
    expect(isWellFormedSecret(s.replace(/.$/, '-'))).toBe(false);
  });

  it('candidates are whole words in running text', () => {
    const s = secret();
    const found = (text: string) => [...text.matchAll(SECRET_CANDIDATE_PATTERN)].map((m) => m[0]);
    expect(found(`TOKEN=${s}\n"${s}"`)).toEqual([s, s]);
    expect(found(`x${s}`)).toEqual([]);
    expect(found(`${s}x`)).toEqual([]);
  });
});
