import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { openRuntime, openStorage } from '../../src/runtime.js';
import type { ChangeEvent } from '../../src/storage/change-feed.js';
import { CHANGE_POLL_MS, SqliteChangeFeed } from '../../src/storage/sqlite-change-feed.js';
import { DIALECT } from '../dialect.js';
import { eventually } from '../poll.js';

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patina-feed-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function revocation(jti: string) {
  return {
    jti,
    clientId: 'client',
    expiresAt: '2099-01-01T00:00:00.000Z',
    revokedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** Two storages on one file: what two workers (or a worker and `patina-server keys rotate`) are. */
async function twoProcesses() {
  const config = parseConfig({ dataDir: dataDir() });
  const writer = await openStorage(config);
  const reader = await openStorage(config);
  onTestFinished(async () => {
    await writer.close();
    await reader.close();
  });
  const heard: ChangeEvent[] = [];
  reader.feed.subscribe((event) => heard.push(event));
  return { config, writer, reader, heard };
}

describe.runIf(DIALECT === 'sqlite')('the change feed between processes on one SQLite file', () => {
  it('tells the other process what a commit changed, and not the process that made it', async () => {
    const { writer, reader, heard } = await twoProcesses();
    expect(reader.feed).toBeInstanceOf(SqliteChangeFeed);
    const own: ChangeEvent[] = [];
    writer.feed.subscribe((event) => own.push(event));
    await writer.transaction(async (repos) => {
      await repos.revocations.revoke(revocation('jti-1'));
    });
    await eventually(
      'the reader heard the change',
      10 * CHANGE_POLL_MS,
      () => Promise.resolve(heard.length),
      (n) => n > 0,
    );
    expect(heard).toEqual([{ kind: 'revocation', jti: 'jti-1' }]);
    // The writer heard it once, at its commit, not again from its own row.
    await new Promise((resolve) => setTimeout(resolve, 3 * CHANGE_POLL_MS));
    expect(own).toEqual([{ kind: 'revocation', jti: 'jti-1' }]);
  });

  it('drops everything when rows were pruned before it read them', async () => {
    // The reader looks only when told to: its interval is a fake one that never fires.
    vi.useFakeTimers({ toFake: ['setInterval'] });
    onTestFinished(() => void vi.useRealTimers());
    const { writer, reader, heard } = await twoProcesses();
    const feed = reader.feed as SqliteChangeFeed;
    // Write three changes, prune all but the newest, then let the reader look: it missed two.
    for (const jti of ['a', 'b', 'c']) {
      await writer.repos.revocations.revoke(revocation(jti));
    }
    expect(await writer.pruneChanges(Date.now() + 1000)).toBeGreaterThan(0);
    feed.look();
    expect(heard).toEqual([{ kind: 'reset' }, { kind: 'revocation', jti: 'c' }]);
  });

  it('is not trusted while it has not looked for half a second', async () => {
    const { reader } = await twoProcesses();
    const feed = reader.feed as SqliteChangeFeed;
    expect(feed.connected).toBe(true);
    const now = performance.now();
    const later = vi.spyOn(performance, 'now').mockReturnValue(now + 600);
    onTestFinished(() => later.mockRestore());
    expect(feed.connected).toBe(false);
    feed.look();
    expect(feed.connected).toBe(true);
  });
});

describe.runIf(DIALECT === 'sqlite')('a runtime that does not listen', () => {
  it('runs no background work: its Shared Signals feeder never looks for streams', async () => {
    const config = parseConfig({ dataDir: dataDir() });
    const looks = async (options: { listen: false; background?: boolean }) => {
      const services = await openRuntime(config, options);
      onTestFinished(() => services.close());
      const spy = vi.spyOn(services.storage.repos.ssf, 'pushStreamsBehind');
      // The feeder looks at once when started, then every second.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return spy.mock.calls.length;
    };
    expect(await looks({ listen: false })).toBe(0);
    expect(await looks({ listen: false, background: true })).toBeGreaterThan(0);
  });
});
