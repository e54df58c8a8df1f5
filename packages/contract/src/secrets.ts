/**
 * The shape of a PAT secret (docs/decisions.md, "Secrets"), for secret scanners that work offline.
 * SailPoint's tools expect 64 characters; within them a fixed prefix and a trailing checksum tell
 * a real Patina secret from a look-alike without asking the server:
 *
 *   patina_ | 51 base62 characters | 6 base62 characters of the CRC-32 of everything before them
 */
export const SECRET_PREFIX = 'patina_';
export const SECRET_LENGTH = 64;
export const SECRET_CHECKSUM_LENGTH = 6;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_SHAPE = /^patina_[0-9A-Za-z]{57}$/;

/**
 * Candidates in running text: the prefix and 57 base62 characters, not part of a longer word
 * (a longer run of base62 characters is something else that happens to contain the prefix).
 * Global: use with `matchAll`.
 */
export const SECRET_CANDIDATE_PATTERN = /(?<![0-9A-Za-z])patina_[0-9A-Za-z]{57}(?![0-9A-Za-z])/g;

/** True when `text` is exactly a Patina secret: the shape and a checksum that matches. */
export function isWellFormedSecret(text: string): boolean {
  if (!SECRET_SHAPE.test(text)) return false;
  const head = text.slice(0, SECRET_LENGTH - SECRET_CHECKSUM_LENGTH);
  return secretChecksum(head) === text.slice(SECRET_LENGTH - SECRET_CHECKSUM_LENGTH);
}

/** The checksum of a secret's first 58 characters: CRC-32 written as 6 base62 digits. */
export function secretChecksum(head: string): string {
  let n = crc32(head);
  let out = '';
  for (let i = 0; i < SECRET_CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

// CRC-32 as zlib computes it (ISO 3309, reflected polynomial 0xEDB88320), over the characters'
// byte values: a secret is ASCII, so these are its UTF-8 bytes. Written out because the
// contract loads in a browser, where node:zlib is not.
const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let c = byte;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(ascii: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < ascii.length; i++) {
    crc = CRC_TABLE[(crc ^ ascii.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
