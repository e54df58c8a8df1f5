import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ROOT } from './patina.mjs';

const DAY_MS = 86_400_000;
/** PATs per transaction: large enough that commits are a small part, small enough to see progress. */
const BATCH = 5_000;

/** The server's own modules, from its build: the seed writes rows exactly as Patina does. */
async function serverModule(path) {
  return import(pathToFileURL(join(ROOT, 'packages/server/dist', path)).href);
}

/**
 * Seeds PATs through Patina's own repositories (IdentitiesRepository.insert, PatsRepository.insert)
 * while Patina is stopped, on SQLite in `dataDir` or on PostgreSQL at `databaseUrl`: the rows are
 * the ones Patina writes, with the columns and JSON encodings of whatever the migrations made.
 * Owners are new USER identities holding `perOwner` PATs each. The secret digests are random:
 * these PATs are never exchanged, they are there to make the tables and indexes the size they
 * would be.
 *
 * @param {{ dataDir: string, databaseUrl?: string, totalPats: number, perOwner?: number, log?: (m: string) => void }} options
 * @returns {Promise<{ inserted: number, identities: number, total: number, seconds: number }>}
 *   `total` is the number of live PATs afterwards
 */
export async function seedPats({ dataDir, databaseUrl, totalPats, perOwner = 10, log }) {
  const started = performance.now();
  const { openDatabase } = await serverModule('storage/database.js');
  const { IdentitiesRepository } = await serverModule('storage/identities-repository.js');
  const { PatsRepository } = await serverModule('storage/pats-repository.js');
  const database = databaseUrl && {
    url: databaseUrl,
    schema: null,
    poolMax: 2,
    connectTimeoutMs: 5_000,
    idleTimeoutMs: 10_000,
    statementTimeoutMs: 0,
  };
  const { db, dialect } = openDatabase({ dataDir, ...(database && { database }) });
  if (dialect === 'sqlite') {
    // A fixture, not data anyone keeps: no fsync per batch, and a page cache of up to 2 GB so
    // ten million random-id inserts into five indexes stay off the disk. Patina reopens the file
    // with its own settings.
    await sql`PRAGMA synchronous = OFF`.execute(db);
    await sql`PRAGMA cache_size = -2000000`.execute(db);
  }
  // Nothing listens: Patina is stopped, and starts with empty caches.
  const noChangeFeed = async () => {};
  try {
    const live = async () => {
      const row = await db
        .selectFrom('personal_access_tokens')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('deleted_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    // Live PATs: S3 leaves thousands of deleted rows behind, which do not count.
    const toInsert = Math.max(0, totalPats - (await live()));
    const owners = Math.ceil(toInsert / perOwner);
    const now = Date.now();
    // Live for months yet, so the start-up expiry sweep has nothing to record.
    const expirationDate = new Date(now + 150 * DAY_MS).toISOString();
    let left = toInsert;
    let ownersMade = 0;
    while (left > 0) {
      await db.transaction().execute(async (trx) => {
        const identities = new IdentitiesRepository(trx, noChangeFeed);
        const pats = new PatsRepository(trx, noChangeFeed);
        for (let inBatch = 0; inBatch < BATCH && left > 0;) {
          const ownerId = hexId();
          const created = new Date(now - Math.floor(Math.random() * 30 * DAY_MS)).toISOString();
          await identities.insert({
            id: ownerId,
            login: `seed-${ownerId}`,
            name: `Seeded user ${ownersMade++}`,
            status: 'ACTIVE',
            roles: ['USER'],
            rights: [],
            created,
            modified: created,
          });
          const count = Math.min(perOwner, left);
          for (let p = 0; p < count; p++) {
            await pats.insert({
              id: hexId(),
              ownerId,
              name: `seeded ${p}`,
              scope: ['sp:scopes:all'],
              secretDigest: randomBytes(32).toString('base64url'),
              digestVersion: 1,
              created,
              managed: false,
              accessTokenValiditySeconds: 43_200,
              expirationDate,
              userAwareTokenNeverExpires: false,
            });
          }
          left -= count;
          inBatch += count;
        }
      });
      if (log && (toInsert - left) % 500_000 < BATCH) {
        const done = toInsert - left;
        const rate = done / ((performance.now() - started) / 1000);
        log(
          `seeding: ${done.toLocaleString('en-US')} of ${toInsert.toLocaleString('en-US')} PATs (${Math.round(rate).toLocaleString('en-US')}/s)`,
        );
      }
    }
    return {
      inserted: toInsert,
      identities: owners,
      total: await live(),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await db.destroy();
  }
}

/** A 32-hex id, the shape of Patina's identity and PAT ids. */
function hexId() {
  return randomBytes(16).toString('hex');
}
