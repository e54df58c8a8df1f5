import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { performance } from 'node:perf_hooks';

const DAY_MS = 86_400_000;

/**
 * Bulk-seeds PATs straight into `<dataDir>/patina.db` while Patina is stopped: one transaction,
 * one prepared statement per table, rows shaped like the ones Patina writes (columns from
 * packages/server/src/storage/migrations). Owners are new USER identities holding `perOwner`
 * PATs each. The secret digests are random: these PATs are never exchanged, they are there to
 * make the tables and indexes the size they would be.
 *
 * @param {{ dataDir: string, totalPats: number, perOwner?: number }} options
 * @returns {{ inserted: number, identities: number, total: number, seconds: number }} `total` is
 *   the number of live PATs afterwards
 */
export function seedPats({ dataDir, totalPats, perOwner = 10 }) {
  const started = performance.now();
  const db = new SQLite(join(dataDir, 'patina.db'));
  try {
    // Durability does not matter for a benchmark fixture; Patina reopens with its own pragmas.
    db.pragma('synchronous = OFF');
    // Live PATs: S3 leaves thousands of deleted rows behind, which do not count.
    const live = db.prepare(
      'SELECT count(*) AS n FROM personal_access_tokens WHERE deleted_at IS NULL',
    );
    const existing = Number(live.get().n);
    const toInsert = Math.max(0, totalPats - existing);
    const owners = Math.ceil(toInsert / perOwner);

    const insertIdentity = db.prepare(
      `INSERT INTO identities (id, login, name, status, roles, rights, created, modified)
       VALUES (?, ?, ?, 'ACTIVE', '["USER"]', '[]', ?, ?)`,
    );
    const insertPat = db.prepare(
      `INSERT INTO personal_access_tokens (id, owner_id, name, scope, secret_digest, digest_version,
         created, last_used, managed, access_token_validity_seconds, expiration_date,
         user_aware_token_never_expires, deleted_at, expiry_recorded_at)
       VALUES (?, ?, ?, '["sp:scopes:all"]', ?, 1, ?, ?, 0, 43200, ?, 0, NULL, NULL)`,
    );

    const now = Date.now();
    // Live for months yet, so the start-up expiry sweep has nothing to record.
    const expires = new Date(now + 150 * DAY_MS).toISOString();
    db.transaction(() => {
      let left = toInsert;
      for (let o = 0; o < owners; o++) {
        const ownerId = hexId();
        const created = new Date(now - Math.floor(Math.random() * 30 * DAY_MS)).toISOString();
        insertIdentity.run(ownerId, `seed-${ownerId}`, `Seeded user ${o}`, created, created);
        const count = Math.min(perOwner, left);
        left -= count;
        for (let p = 0; p < count; p++) {
          const lastUsed = p % 2 === 0 ? null : created;
          insertPat.run(
            hexId(),
            ownerId,
            `seeded ${p}`,
            randomBytes(32).toString('base64url'),
            created,
            lastUsed,
            expires,
          );
        }
      }
    })();
    const total = Number(live.get().n);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return {
      inserted: toInsert,
      identities: owners,
      total,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    db.close();
  }
}

/** A 32-hex id, the shape of Patina's identity and PAT ids. */
function hexId() {
  return randomBytes(16).toString('hex');
}
