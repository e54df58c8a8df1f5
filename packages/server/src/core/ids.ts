import { randomBytes, randomFillSync } from 'node:crypto';

/** Bytes drawn from the CSPRNG at a time: one call serves 256 ids. */
const POOL_BYTES = 4096;
const ID_BYTES = 16;

const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * A random 128-bit id as 32 hex characters (request ids, access-token jtis, audit event ids).
 * The bytes come from node:crypto's CSPRNG like randomBytes(16), but are drawn 4 KiB at a time:
 * a randomBytes call per id cost ~6 µs each under load, two per exchange (docs/benchmarks.md,
 * "Where the CPU goes"). Each byte is handed out once.
 */
export function randomHexId(): string {
  if (offset + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

/**
 * `bytes` random bytes from the CSPRNG as text: secrets, cookies, CSRF tokens and suffixes that
 * are not ids. The one place outside tokens/ that draws random bytes (a lint rule keeps it so).
 */
export function randomText(bytes: number, encoding: 'hex' | 'base64' | 'base64url'): string {
  return randomBytes(bytes).toString(encoding);
}
