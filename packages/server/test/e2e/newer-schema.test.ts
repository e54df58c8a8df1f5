import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/storage/migrate.js';
import { processDatabaseEnv } from '../dialect.js';
import { freePort } from '../helpers.js';
import { E2E_TIMEOUT_MS, Sandbox } from './harness.js';

/** What a newer Patina leaves behind: a row in Kysely's migration table this code does not know. */
async function addFutureMigration(env: Record<string, string>, dataDir: string): Promise<void> {
  const row = ['9999_from_the_future', new Date().toISOString()];
  const insert = 'insert into kysely_migration (name, timestamp) values';
  const url = env.PATINA_DATABASE_URL;
  if (url === undefined) {
    const db = new SQLite(join(dataDir, 'patina.db'), { fileMustExist: true });
    db.prepare(`${insert} (?, ?)`).run(...row);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`${insert} ($1, $2)`, row);
  } finally {
    await client.end();
  }
}

describe('a database migrated by a newer Patina', () => {
  it(
    'is refused by serve and by migrate, naming both versions',
    async () => {
      const databaseEnv = await processDatabaseEnv();
      const sandbox = new Sandbox().useDatabase(databaseEnv);
      const dataDir = sandbox.tempDir();
      const env = { PATINA_DATA_DIR: dataDir, PATINA_PORT: String(await freePort()) };
      const migrated = await sandbox.run(['migrate'], env);
      expect(migrated.code, migrated.stderr).toBe(0);
      await addFutureMigration(databaseEnv, dataDir);

      const latest = Object.keys(MIGRATIONS).sort().at(-1);
      const refusal =
        "patina: The database's schema is newer than this Patina: it has migration 9999_from_the_future, " +
        `this Patina knows migrations up to ${latest}. ` +
        'Run the newer Patina on it, or restore a backup taken before the upgrade.\n';
      for (const command of ['serve', 'migrate']) {
        const run = await sandbox.run([command], env);
        expect({ command, code: run.code, stderr: run.stderr }).toEqual({
          command,
          code: 1,
          stderr: refusal,
        });
      }
    },
    E2E_TIMEOUT_MS,
  );
});
