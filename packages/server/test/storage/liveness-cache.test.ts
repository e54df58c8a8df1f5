import { describe, expect, it } from 'vitest';
import type { PatCredentialRecord } from '../../src/pats/model.js';
import { ChangeFeed } from '../../src/storage/change-feed.js';
import { LivenessCache } from '../../src/auth/liveness-cache.js';

/**
 * The cache the bearer check reads through, against a ChangeFeed the test drives by hand. No
 * database: what it checks is the same on both dialects.
 */

function record(id: string, ownerId: string): PatCredentialRecord {
  return {
    id,
    ownerId,
    ownerLogin: ownerId,
    ownerName: ownerId,
    ownerStatus: 'ACTIVE',
    ownerRoles: ['USER'],
    ownerRights: [],
    ownerDisabledAt: null,
    name: `pat ${id}`,
    scope: ['sp:scopes:all'],
    secretDigest: 'not-a-digest',
    digestVersion: 1,
    previousSecret: null,
    rotatedAt: null,
    tokensNotBefore: null,
    allowedCidrs: null,
    lastUsed: null,
    accessTokenValiditySeconds: 43_200,
    expirationDate: null,
    deletedAt: null,
    revokedReason: null,
  };
}

/** A load function that counts its calls and answers from `source`. */
function counted<T>(source: () => T) {
  const load = () => {
    load.calls += 1;
    return Promise.resolve(source());
  };
  load.calls = 0;
  return load;
}

/** A promise the test resolves when it wants: a read still in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function setup(connected = true) {
  const feed = new ChangeFeed(connected);
  const cache = new LivenessCache(feed);
  return { feed, cache };
}

describe('LivenessCache', () => {
  it('serves a second read from the cache while nothing changed', async () => {
    const { cache } = setup();
    const load = counted(() => record('p1', 'o1'));
    expect(await cache.record('p1', load)).toEqual(record('p1', 'o1'));
    expect(await cache.record('p1', load)).toEqual(record('p1', 'o1'));
    expect(load.calls).toBe(1);
    const revoked = counted(() => false);
    expect(await cache.isRevoked('j1', revoked)).toBe(false);
    expect(await cache.isRevoked('j1', revoked)).toBe(false);
    expect(revoked.calls).toBe(1);
  });

  it('does not store a record read across an invalidation of it', async () => {
    const { feed, cache } = setup();
    const inFlight = deferred<PatCredentialRecord | undefined>();
    const stale = cache.record('p1', () => inFlight.promise);
    // The PAT changes (say, is deleted) while the read that started before it is still out.
    feed.publish([{ kind: 'pat', id: 'p1' }]);
    inFlight.resolve(record('p1', 'o1'));
    expect(await stale).toEqual(record('p1', 'o1'));
    // The next read goes to the database again: the stale value was not kept.
    const fresh = counted(() => ({ ...record('p1', 'o1'), deletedAt: '2026-01-15T10:00:00.000Z' }));
    expect((await cache.record('p1', fresh))?.deletedAt).toBe('2026-01-15T10:00:00.000Z');
    expect(fresh.calls).toBe(1);
  });

  it('does not store "not revoked" read across a revocation', async () => {
    const { feed, cache } = setup();
    const inFlight = deferred<boolean>();
    const stale = cache.isRevoked('j1', () => inFlight.promise);
    feed.publish([{ kind: 'revocation', jti: 'j1' }]);
    inFlight.resolve(false);
    expect(await stale).toBe(false);
    const fresh = counted(() => true);
    expect(await cache.isRevoked('j1', fresh)).toBe(true);
    expect(fresh.calls).toBe(1);
  });

  it('caches nothing while the feed is disconnected, and again once it is connected', async () => {
    const { feed, cache } = setup(false);
    const load = counted(() => record('p1', 'o1'));
    await cache.record('p1', load);
    await cache.record('p1', load);
    expect(load.calls).toBe(2);
    const revoked = counted(() => false);
    await cache.isRevoked('j1', revoked);
    await cache.isRevoked('j1', revoked);
    expect(revoked.calls).toBe(2);
    expect(cache.size).toBe(0);

    feed.setConnected(true);
    await cache.record('p1', load);
    await cache.record('p1', load);
    expect(load.calls).toBe(3);
  });

  it('does not store a read that was in flight when the feed went down', async () => {
    const { feed, cache } = setup();
    const inFlight = deferred<PatCredentialRecord | undefined>();
    const read = cache.record('p1', () => inFlight.promise);
    feed.setConnected(false);
    feed.setConnected(true);
    inFlight.resolve(record('p1', 'o1'));
    await read;
    const load = counted(() => record('p1', 'o1'));
    await cache.record('p1', load);
    expect(load.calls).toBe(1);
  });

  it("an identity change drops that owner's records only", async () => {
    const { feed, cache } = setup();
    const loads = {
      p1: counted(() => record('p1', 'o1')),
      p2: counted(() => record('p2', 'o1')),
      p3: counted(() => record('p3', 'o2')),
    };
    const jti = counted(() => false);
    const readAll = async () => {
      for (const [id, load] of Object.entries(loads)) await cache.record(id, load);
      await cache.isRevoked('j1', jti);
    };
    await readAll();
    feed.publish([{ kind: 'identity', id: 'o1' }]);
    await readAll();
    expect([loads.p1.calls, loads.p2.calls, loads.p3.calls, jti.calls]).toEqual([2, 2, 1, 1]);
  });

  it('a PAT change drops that PAT only, a revocation that jti only', async () => {
    const { feed, cache } = setup();
    const p1 = counted(() => record('p1', 'o1'));
    const p2 = counted(() => record('p2', 'o1'));
    const j1 = counted(() => false);
    const j2 = counted(() => false);
    const readAll = async () => {
      await cache.record('p1', p1);
      await cache.record('p2', p2);
      await cache.isRevoked('j1', j1);
      await cache.isRevoked('j2', j2);
    };
    await readAll();
    feed.publish([
      { kind: 'pat', id: 'p1' },
      { kind: 'revocation', jti: 'j1' },
    ]);
    await readAll();
    expect([p1.calls, p2.calls, j1.calls, j2.calls]).toEqual([2, 1, 2, 1]);
  });

  it('a reset drops everything', async () => {
    const { feed, cache } = setup();
    const p1 = counted(() => record('p1', 'o1'));
    const p3 = counted(() => record('p3', 'o2'));
    const j1 = counted(() => false);
    const readAll = async () => {
      await cache.record('p1', p1);
      await cache.record('p3', p3);
      await cache.isRevoked('j1', j1);
    };
    await readAll();
    expect(cache.size).toBe(3);
    feed.publish([{ kind: 'reset' }]);
    expect(cache.size).toBe(0);
    await readAll();
    expect([p1.calls, p3.calls, j1.calls]).toEqual([2, 2, 2]);
  });
});
