import SQLite from 'better-sqlite3';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { openStorage } from '../../src/runtime.js';
import { DIALECT } from '../dialect.js';

/**
 * SQLite's transactions that arrive together share one commit (storage/group-commit.ts). What
 * must hold is what held with a commit each: a transaction's promise settles after its writes
 * are durable, a failing transaction leaves nothing, and the others are not hurt by it.
 */
describe.skipIf(DIALECT !== 'sqlite')('group commit (SQLite)', () => {
  /** Storage on a database file, so another connection can look at what is committed. */
  async function fileStorage() {
    const dataDir = mkdtempSync(join(tmpdir(), 'patina-group-'));
    const storage = await openStorage(parseConfig({ dataDir }));
    onTestFinished(async () => {
      await storage.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    return { storage, dataDir };
  }

  it('commits transactions that arrive together, each as if alone', async () => {
    const { storage } = await fileStorage();
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((key) =>
        storage.transaction(async (repos) => {
          await repos.settings.set(`group-${key}`, key);
          if (key === 'c') throw new Error('c fails on purpose');
          return key;
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((results[2] as PromiseRejectedResult).reason).toEqual(new Error('c fails on purpose'));
    for (const key of ['a', 'b', 'd']) {
      expect(await storage.repos.settings.get(`group-${key}`)).toBe(key);
    }
    // The failing one's write was rolled back, not committed with the others.
    expect(await storage.repos.settings.get('group-c')).toBeUndefined();
  });

  it('shares one commit among the ones that waited, and answers none before it', async () => {
    const { storage, dataDir } = await fileStorage();
    // Another connection to the same file sees only what is committed.
    const file = join(dataDir, 'patina.db');
    const other = new SQLite(file, { readonly: true });
    const committed = (key: string) =>
      other.prepare('select value from settings where key = ?').get(key) !== undefined;
    let release!: () => void;
    const first = storage.transaction(async (repos) => {
      await repos.settings.set('first', '1');
      // Hold the connection until the others have queued behind this one.
      await new Promise<void>((resolve) => (release = resolve));
    });
    const seenInside: boolean[] = [];
    const second = storage.transaction(async (repos) => {
      await repos.settings.set('second', '2');
    });
    const third = storage.transaction(async (repos) => {
      // The second's write is visible here (one transaction) but not yet committed.
      seenInside.push((await repos.settings.get('second')) === '2', committed('second'));
      await repos.settings.set('third', '3');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await first;
    await Promise.all([second, third]);
    expect(seenInside).toEqual([true, false]);
    expect(['first', 'second', 'third'].map(committed)).toEqual([true, true, true]);
    other.close();
  });

  it('fails the whole group, and keeps none of it, when the shared transaction breaks', async () => {
    const { storage } = await fileStorage();
    // Started together, these three share one group.
    const outcomes = Promise.allSettled([
      storage.transaction(async (repos) => {
        await repos.settings.set('kept-by-nobody', 'x');
      }),
      storage.transaction(async (repos) => {
        // SQLite ends a transaction itself on some errors (a full disk, an I/O error); this
        // does to the group what such an error does. The repositories are bound to the
        // transaction's own connection.
        const trx = (repos.settings as unknown as { db: Kysely<unknown> }).db;
        await sql`rollback`.execute(trx);
      }),
      storage.transaction(async (repos) => {
        await repos.settings.set('after-the-break', 'y');
      }),
    ]);
    expect((await outcomes).map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await storage.repos.settings.get('kept-by-nobody')).toBeUndefined();
    expect(await storage.repos.settings.get('after-the-break')).toBeUndefined();
    // And the storage goes on working.
    await storage.transaction((repos) => repos.settings.set('later', 'z'));
    expect(await storage.repos.settings.get('later')).toBe('z');
  });
});
