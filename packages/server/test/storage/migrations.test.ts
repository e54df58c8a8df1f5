import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { openStorage } from '../../src/runtime.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { appliedMigrations, migrateToLatest, NewerSchemaError } from '../../src/storage/migrate.js';
import { DIALECT, openTestStorage, testDatabaseSettings } from '../dialect.js';
import { startTestApp } from '../helpers.js';

/** The migrations the product ships, in order: one file each in src/storage/migrations. */
function shippedMigrations(): string[] {
  const dir = new URL('../../src/storage/migrations/', import.meta.url);
  return readdirSync(dir)
    .filter((file) => /^\d{4}_.*\.ts$/.test(file))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
}

/** What Kysely recorded as applied, one row per migration run. */
async function recordedMigrations(db: Db, schema: string | null): Promise<string[]> {
  const table = schema ? sql.table(`${schema}.kysely_migration`) : sql.table('kysely_migration');
  const { rows } = await sql<{ name: string }>`select name from ${table} order by name`.execute(db);
  return rows.map((row) => row.name);
}

/** A config on this file's dialect whose database outlives one Storage: a schema, or a file. */
function persistentConfig(): Config {
  if (DIALECT === 'postgres')
    return parseConfig({ ...testDatabaseSettings({ fresh: true }), dataDir: ':memory:' });
  const dataDir = mkdtempSync(join(tmpdir(), 'patina-migrations-'));
  onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
  return parseConfig({ dataDir });
}

describe('migrations', () => {
  it.runIf(DIALECT === 'postgres')(
    // SQLite serves one node, so only PostgreSQL sees several nodes migrate at once.
    'five nodes migrating one fresh schema at once apply each migration exactly once',
    async () => {
      const config = parseConfig({ ...testDatabaseSettings({ fresh: true }), dataDir: ':memory:' });
      const schema = config.database.schema;
      const dbs = Array.from(
        { length: 5 },
        () =>
          openDatabase({ dataDir: ':memory:', database: config.database, forMigrations: true }).db,
      );
      onTestFinished(() => Promise.all(dbs.map((db) => db.destroy())).then(() => undefined));
      const applied = await Promise.all(dbs.map((db) => migrateToLatest(db, { schema })));
      expect(applied.flat().sort()).toEqual(shippedMigrations());
      expect(await recordedMigrations(dbs[0]!, schema)).toEqual(shippedMigrations());
    },
  );

  it('migrating an up-to-date database applies nothing', async () => {
    const config = persistentConfig();
    const schema = config.database.schema;
    const first: string[][] = [];
    const storage = await openStorage(config, { onMigrated: (names) => first.push(names) });
    await storage.close();
    expect(first).toEqual([shippedMigrations()]);

    const again: string[][] = [];
    const reopened = await openStorage(config, { onMigrated: (names) => again.push(names) });
    onTestFinished(() => reopened.close());
    expect(again).toEqual([[]]);
    expect(await migrateToLatest(reopened.db, { schema })).toEqual([]);
    expect(await recordedMigrations(reopened.db, schema)).toEqual(shippedMigrations());
  });
});

describe('a schema newer than this code', () => {
  const latest = shippedMigrations().at(-1);
  const NEWER =
    "The database's schema is newer than this Patina: it has migration 9999_from_the_future, " +
    `this Patina knows migrations up to ${latest}. ` +
    'Run the newer Patina on it, or restore a backup taken before the upgrade.';

  it('is refused on start and by migrate, naming both versions, and nothing runs', async () => {
    const config = persistentConfig();
    const schema = config.database.schema;
    const storage = await openStorage(config);
    const table = schema ? `${schema}.kysely_migration` : 'kysely_migration';
    // What a newer Patina leaves behind: one more row in Kysely's migration table.
    await sql`insert into ${sql.table(table)} (name, timestamp)
      values ('9999_from_the_future', ${new Date().toISOString()})`.execute(storage.db);
    await storage.close();

    await expect(openStorage(config)).rejects.toMatchObject({
      name: 'NewerSchemaError',
      message: NEWER,
    });
    const { db } = openDatabase({
      dataDir: config.dataDir,
      database: config.database,
      forMigrations: true,
    });
    onTestFinished(() => db.destroy());
    await expect(migrateToLatest(db, { schema })).rejects.toMatchObject({ message: NEWER });
    expect(await appliedMigrations(db, { schema })).toEqual([
      ...shippedMigrations(),
      '9999_from_the_future',
    ]);
  });

  it('names every unknown migration', () => {
    expect(new NewerSchemaError(['0013_a', '0014_b']).message).toBe(
      "The database's schema is newer than this Patina: it has migrations 0013_a, 0014_b, " +
        `this Patina knows migrations up to ${latest}. ` +
        'Run the newer Patina on it, or restore a backup taken before the upgrade.',
    );
  });

  it('is not a fresh database: one with no migration table has no migrations', async () => {
    const config = persistentConfig();
    const { db } = openDatabase({
      dataDir: config.dataDir,
      database: config.database,
      forMigrations: true,
    });
    onTestFinished(() => db.destroy());
    expect(await appliedMigrations(db, { schema: config.database.schema })).toEqual([]);
  });
});

describe('text columns sort byte by byte on both dialects', () => {
  // SQLite compares text with BINARY; PostgreSQL would use the database's collation unless the
  // columns say C, and then `b` would sort before `C` under en_US. Both must give one order.
  const NAMES = ['b', 'C', 'a', 'B', 'a_b', 'a-b', 'aB', 'Z', '10', '9', 'é', 'e', 'z', 'a b', '~'];
  const byteOrder = [...NAMES].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

  it('lists PATs sorted by name in byte order, ascending and descending', async () => {
    const t = await startTestApp({ config: { policy: { maxTokensPerOwner: 100 } } });
    const owner = t.admin.identity.id;
    for (const name of NAMES) await t.mintPat(owner, { name });
    const list = async (descending: boolean) =>
      (
        await t.storage.repos.pats.list({
          ownerId: owner,
          includeManaged: true,
          sort: [{ field: 'name', descending }],
          limit: 100,
          offset: 0,
          withTotal: false,
        })
      ).items
        .map((pat) => pat.name)
        .filter((name) => name !== 'login');
    expect(await list(false)).toEqual(byteOrder);
    expect(await list(true)).toEqual([...byteOrder].reverse());
  });

  it.runIf(DIALECT === 'postgres')(
    // The server's default collation may happen to be byte order (C.UTF-8): the columns must
    // say so themselves, or another server sorts differently.
    'every short text column of every table is declared with the C collation',
    async () => {
      const storage = await openTestStorage();
      onTestFinished(() => storage.close());
      const { rows } = await sql<{
        table_name: string;
        column_name: string;
        collation_name: string | null;
      }>`
        select table_name, column_name, collation_name from information_schema.columns
        where table_schema = current_schema() and data_type = 'character varying'
          and table_name not like 'kysely_%'
        order by table_name, column_name`.execute(storage.db);
      expect(rows.length).toBeGreaterThan(10);
      expect(rows.filter((row) => row.collation_name !== 'C')).toEqual([]);
      // The sorted and compared columns are among them.
      const columns = rows.map((row) => `${row.table_name}.${row.column_name}`);
      expect(columns).toEqual(
        expect.arrayContaining([
          'personal_access_tokens.name',
          'personal_access_tokens.created',
          'personal_access_tokens.last_used',
          'personal_access_tokens.expiration_date',
          'identities.login',
          'audit_events.time',
        ]),
      );
    },
  );
});
