import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DIALECT, processDatabaseEnv } from '../dialect.js';
import { freePort } from '../helpers.js';
import {
  accessToken,
  E2E_TIMEOUT_MS,
  exchange,
  readCredentials,
  Sandbox,
  START_TIMEOUT_MS,
} from './harness.js';

interface MadePat {
  id: string;
  secret: string;
}

/**
 * A server under load: PATs created and exchanged by concurrent loops until `stop()`. `acked` holds
 * every PAT whose create was answered 200, in the order the answers came.
 */
function runLoad(
  baseUrl: string,
  token: string,
  options: { creators: number; exchangers: number },
) {
  const acked: MadePat[] = [];
  const failures: string[] = [];
  let running = true;
  let made = 0;
  const create = async () => {
    while (running) {
      const response = await fetch(`${baseUrl}/v3/personal-access-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `load-${made++}` }),
      });
      if (response.status !== 200) failures.push(`create: ${response.status}`);
      else acked.push((await response.json()) as MadePat);
    }
  };
  const use = async () => {
    while (running) {
      const pat = acked[Math.floor(Math.random() * acked.length)];
      if (!pat) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const response = await exchange(`${baseUrl}/oauth/token`, pat.id, pat.secret);
      if (response.status !== 200) failures.push(`exchange: ${response.status}`);
      await response.body?.cancel();
    }
  };
  const loops = [
    ...Array.from({ length: options.creators }, create),
    ...Array.from({ length: options.exchangers }, use),
  ];
  return {
    acked,
    failures,
    /** Waits until at least `count` PATs more than now are acknowledged. */
    async grow(count: number): Promise<void> {
      const target = acked.length + count;
      while (acked.length < target) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Opens a restored database read-only, for what the test checks beside the HTTP answers. */
function inspect(file: string) {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const created = new Set(
      db
        .prepare("select target_id from audit_events where type = 'PERSONAL_ACCESS_TOKEN_CREATED'")
        .pluck()
        .all() as string[],
    );
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      created,
      keyTable: db
        .prepare("select name from sqlite_master where name = 'patina_backup_master_key'")
        .pluck()
        .get(),
    };
  } finally {
    db.close();
  }
}

describe.runIf(DIALECT === 'sqlite')('backup and restore on SQLite', () => {
  it(
    'a backup taken under load restores every PAT acknowledged before it began, with its audit events',
    async () => {
      const sandbox = new Sandbox();
      const dataDir = sandbox.tempDir();
      const backups = sandbox.tempDir();
      const config = join(sandbox.tempDir(), 'patina.json');
      writeFileSync(
        config,
        JSON.stringify({
          policy: { maxTokensPerOwner: 10_000, rateLimit: { max: 1_000_000 } },
        }),
      );
      const env = { PATINA_CONFIG: config };
      const server = await sandbox.serve({
        ...env,
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: String(await freePort()),
      });
      const admin = readCredentials(sandbox.bootstrapFile(dataDir));
      const load = runLoad(admin.baseUrl, await accessToken(admin), { creators: 4, exchangers: 4 });

      // Two backups while the loops run: one carrying the master key, one without it.
      await load.grow(40);
      const withKeyFile = join(backups, 'with-key.db');
      const beforeWithKey = [...load.acked];
      const withKey = await sandbox.run(
        ['backup', '--out', withKeyFile, '--data-dir', dataDir, '--include-master-key'],
        env,
      );
      await load.grow(40);
      const withoutKeyFile = join(backups, 'without-key.db');
      const beforeWithoutKey = [...load.acked];
      const withoutKey = await sandbox.run(
        ['backup', '--out', withoutKeyFile, '--data-dir', dataDir],
        env,
      );
      await load.grow(20);
      await load.stop();
      expect(load.failures).toEqual([]);

      expect(withKey.code, withKey.stderr).toBe(0);
      expect(withKey.stderr).toMatch(
        new RegExp(
          `^Backed up ${escape(join(dataDir, 'patina.db'))} to ${escape(withKeyFile)} \\(\\d+ pages, \\d+ bytes, mode 0600\\) with SQLite's online backup: a consistent copy, taken while the server runs\\.\n`,
        ),
      );
      expect(withKey.stderr).toContain(
        `WARNING: the master key is inside ${withKeyFile} (--include-master-key): the file is now as secret as the key itself.`,
      );
      expect(withoutKey.code, withoutKey.stderr).toBe(0);
      expect(withoutKey.stderr).toContain(
        `The master key is NOT in the backup. Keep it with the backup (${join(dataDir, 'master.key')}), stored as carefully: without it the backup cannot be used.\n`,
      );
      for (const file of [withKeyFile, withoutKeyFile]) {
        expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
      }
      const masterKey = readFileSync(join(dataDir, 'master.key'), 'utf8');
      for (const run of [withKey, withoutKey]) expect(run.stderr).not.toContain(masterKey.trim());
      expect(await server.stop()).toEqual({ code: 0, signal: null });

      // Restore each into a new data directory: the key from the backup, or copied by hand.
      const restoredWithKey = join(sandbox.tempDir(), 'data');
      const restoreWithKey = await sandbox.run(
        ['restore', withKeyFile, '--data-dir', restoredWithKey],
        env,
      );
      expect(restoreWithKey.code, restoreWithKey.stderr).toBe(0);
      expect(restoreWithKey.stderr).toBe(
        `Restored ${withKeyFile} into ${join(restoredWithKey, 'patina.db')} (mode 0600; PRAGMA integrity_check: ok).\n` +
          `Wrote the master key the backup carried to ${join(restoredWithKey, 'master.key')} (mode 0600); it was removed from the restored database.\n`,
      );
      expect(readFileSync(join(restoredWithKey, 'master.key'), 'utf8')).toBe(masterKey);
      expect((statSync(join(restoredWithKey, 'master.key')).mode & 0o777).toString(8)).toBe('600');

      const restoredWithoutKey = join(sandbox.tempDir(), 'data');
      const restoreWithoutKey = await sandbox.run(
        ['restore', withoutKeyFile, '--data-dir', restoredWithoutKey],
        env,
      );
      expect(restoreWithoutKey.code, restoreWithoutKey.stderr).toBe(0);
      expect(restoreWithoutKey.stderr).toBe(
        `Restored ${withoutKeyFile} into ${join(restoredWithoutKey, 'patina.db')} (mode 0600; PRAGMA integrity_check: ok).\n` +
          `The backup does not carry the master key: put the key it was taken with at ${join(restoredWithoutKey, 'master.key')} (mode 0600), or set PATINA_MASTER_KEY, before you start the server.\n`,
      );
      copyFileSync(join(dataDir, 'master.key'), join(restoredWithoutKey, 'master.key'));

      for (const [restored, before] of [
        [restoredWithKey, beforeWithKey],
        [restoredWithoutKey, beforeWithoutKey],
      ] as const) {
        const database = join(restored, 'patina.db');
        expect((statSync(database).mode & 0o777).toString(8)).toBe('600');
        const port = await freePort();
        const node = await sandbox.serve({
          ...env,
          PATINA_DATA_DIR: restored,
          PATINA_PORT: String(port),
        });
        const tokenUrl = `http://127.0.0.1:${port}/oauth/token`;
        const refused: string[] = [];
        for (let i = 0; i < before.length; i += 16) {
          await Promise.all(
            before.slice(i, i + 16).map(async (pat) => {
              const response = await exchange(tokenUrl, pat.id, pat.secret);
              if (response.status !== 200) refused.push(`${pat.id}: ${response.status}`);
              await response.body?.cancel();
            }),
          );
        }
        expect(refused).toEqual([]);
        expect(await node.stop()).toEqual({ code: 0, signal: null });

        const { integrity, created, keyTable } = inspect(database);
        expect(integrity).toBe('ok');
        expect(before.filter((pat) => created.has(pat.id)).length).toBe(before.length);
        expect(keyTable).toBeUndefined();
      }
      // The database carries no copy of the key once restored.
      expect(readFileSync(join(restoredWithKey, 'patina.db')).includes(masterKey.trim())).toBe(
        false,
      );
    },
    E2E_TIMEOUT_MS * 2,
  );

  it(
    'refuses to restore over a database, and to back up onto an existing file',
    async () => {
      const sandbox = new Sandbox();
      const dataDir = sandbox.tempDir();
      const migrated = await sandbox.run(['migrate', '--data-dir', dataDir]);
      expect(migrated.code, migrated.stderr).toBe(0);
      const file = join(sandbox.tempDir(), 'patina-backup.db');
      expect((await sandbox.run(['backup', '--out', file, '--data-dir', dataDir])).code).toBe(0);
      const backup = readFileSync(file);

      const again = await sandbox.run(['backup', '--out', file, '--data-dir', dataDir]);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        `patina: ${file} already exists: a backup never overwrites a file; choose another --out\n`,
      );
      expect(readFileSync(file).equals(backup)).toBe(true);

      const over = await sandbox.run(['restore', file, '--data-dir', dataDir]);
      expect(over.code).toBe(1);
      expect(over.stderr).toBe(
        `patina: Not restoring ${file}: ${dataDir} already has a database (${join(dataDir, 'patina.db')}). ` +
          'Restore into a data directory without one: move it away, or choose another --data-dir.\n',
      );

      const notPatina = join(sandbox.tempDir(), 'other.db');
      new SQLite(notPatina).exec('create table t (x)').close();
      const other = await sandbox.run(['restore', notPatina, '--data-dir', sandbox.tempDir()]);
      expect(other.code).toBe(1);
      expect(other.stderr).toBe(
        `patina: ${notPatina} is not a Patina database: it has no kysely_migration table\n`,
      );
    },
    E2E_TIMEOUT_MS,
  );
});

describe.runIf(DIALECT === 'postgres')('backup and restore on PostgreSQL', () => {
  it(
    'are refused, pointing to pg_dump, pg_restore and the master key',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = sandbox.tempDir();
      const file = join(sandbox.tempDir(), 'patina-backup.db');
      const message = (command: string) =>
        `patina: patina-server ${command} is for SQLite, and database.url (PATINA_DATABASE_URL) is set. ` +
        'Use PostgreSQL\'s tools: `pg_dump -Fc -f patina.dump "$PATINA_DATABASE_URL"` to back up, ' +
        '`pg_restore --no-owner -d "$PATINA_DATABASE_URL" patina.dump` to restore. ' +
        'The master key (masterKey, PATINA_MASTER_KEY) is not in the dump: keep it with the dump, ' +
        'or the dump cannot be used.\n';
      const backup = await sandbox.run(['backup', '--out', file, '--data-dir', dataDir]);
      expect({ code: backup.code, stderr: backup.stderr }).toEqual({
        code: 1,
        stderr: message('backup'),
      });
      const restore = await sandbox.run(['restore', file, '--data-dir', dataDir]);
      expect({ code: restore.code, stderr: restore.stderr }).toEqual({
        code: 1,
        stderr: message('restore'),
      });
    },
    START_TIMEOUT_MS * 2,
  );
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
