import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { openStorage } from '../../src/runtime.js';
import { DIALECT } from '../dialect.js';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

function dataDir(mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'patina-modes-'));
  chmodSync(dir, mode);
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The SQLite files hold digests and encrypted keys: only the service's user reads them. */
describe.runIf(DIALECT === 'sqlite')('the SQLite database files', () => {
  it('are made 0600, with the WAL files, in a data directory that already exists', async () => {
    const dir = dataDir(0o755);
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => void warnings.push(args), info: () => {} };
    const storage = await openStorage(parseConfig({ dataDir: dir }), {
      logger: logger as never,
    });
    onTestFinished(() => storage.close());
    await storage.repos.settings.getOrCreate('probe', 'x');
    const db = join(dir, 'patina.db');
    expect(existsSync(`${db}-wal`)).toBe(true);
    expect([db, `${db}-wal`, `${db}-shm`].map(modeOf)).toEqual(['600', '600', '600']);
    expect(warnings).toEqual([
      [
        { dataDir: dir, mode: '755' },
        'the data directory is readable by other users; chmod 700 it',
      ],
    ]);
  });

  it('are narrowed to 0600 when an earlier start left them wider, without a warning for a 0700 directory', async () => {
    const dir = dataDir(0o700);
    const db = join(dir, 'patina.db');
    const first = await openStorage(parseConfig({ dataDir: dir }));
    await first.close();
    chmodSync(db, 0o644);
    writeFileSync(`${db}-shm`, '');
    chmodSync(`${db}-shm`, 0o644);
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => void warnings.push(args), info: () => {} };
    const storage = await openStorage(parseConfig({ dataDir: dir }), { logger: logger as never });
    onTestFinished(() => storage.close());
    expect(modeOf(db)).toBe('600');
    expect(modeOf(`${db}-shm`)).toBe('600');
    expect(warnings).toEqual([]);
  });
});
