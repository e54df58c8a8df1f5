import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import type { ChangeEvent } from '../../src/storage/change-feed.js';
import { DIALECT } from '../dialect.js';
import { START, startTestApp } from '../helpers.js';
import { startNodes } from './nodes.js';

describe('changes heard by caches', () => {
  it('are published with the change already readable by other connections', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'doomed' });
    const heard: { event: ChangeEvent; deletedAt: string | null | undefined }[] = [];
    const reads: Promise<void>[] = [];
    const stop = t.storage.feed.subscribe((event) => {
      if (event.kind !== 'pat') return;
      // Read at the moment of publication, from another connection than the writer's.
      reads.push(
        t.storage.repos.patCredentials
          .findCredential(event.id)
          .then((record) => void heard.push({ event, deletedAt: record?.deletedAt })),
      );
    });
    await t.storage.transaction((repos) => repos.pats.markDeleted(pat.id, START));
    // This node's own publication is synchronous with the commit; a later echo through
    // PostgreSQL's LISTEN must not start a read after the app has closed.
    stop();
    await Promise.all(reads);
    // Once from this node's commit (possibly once more through its own LISTEN): each time the
    // delete is already visible.
    expect(heard.length).toBeGreaterThan(0);
    for (const entry of heard) {
      expect(entry).toEqual({ event: { kind: 'pat', id: pat.id }, deletedAt: START });
    }
  });

  it('are not published at all when the transaction rolls back', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'kept' });
    const heard: ChangeEvent[] = [];
    t.storage.feed.subscribe((event) => void heard.push(event));
    const failure = new Error('rolled back on purpose');
    await expect(
      t.storage.transaction(async (repos) => {
        await repos.pats.markDeleted(pat.id, START);
        await repos.identities.update(t.admin.identity.id, { modified: START, name: 'X' });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(heard).toEqual([]);
    expect((await t.storage.repos.patCredentials.findCredential(pat.id))?.deletedAt).toBeNull();
  });
});

// SQLite serves one node.
describe.runIf(DIALECT === 'postgres')('a scheduled rotation due on every node', () => {
  it('makes one new key between them', async () => {
    const { nodes, clock } = await startNodes({
      count: 3,
      config: { signing: { rotateAfterDays: 30 } },
    });
    clock.advance(31 * 24 * 60 * 60 * 1000);
    const rotated = await Promise.all(
      nodes.map((node) => node.services.keyRotation.rotateIfDue(SYSTEM_CONTEXT)),
    );
    expect(rotated.filter((key) => key !== undefined)).toHaveLength(1);
    const keys = await nodes[0]!.storage.db
      .selectFrom('signing_keys')
      .select(['kid', 'retired'])
      .execute();
    expect(keys).toHaveLength(2);
    expect(keys.filter((key) => key.retired === null)).toHaveLength(1);
    expect(await nodes[0]!.auditEvents('SIGNING_KEY_ROTATED')).toHaveLength(1);
  });
});
