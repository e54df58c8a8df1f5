import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { PatinaError } from '../../src/core/errors.js';
import { DIALECT } from '../dialect.js';
import { DAY_MS, START, type TestApp } from '../helpers.js';
import { startNodes } from './nodes.js';

/**
 * Races on one owner's PATs, spread over two nodes on PostgreSQL. SQLite serves one node, so
 * there the same requests race inside one.
 */
const NODE_COUNT = DIALECT === 'postgres' ? 2 : 1;

/** A fresh identity, made through the first node. */
async function identity(nodes: TestApp[], login: string) {
  return nodes[0]!.services.identities.create(SYSTEM_CONTEXT, {
    name: login,
    login,
    roles: ['USER'],
  });
}

/** The error code of each refused create; anything but a domain error fails the test. */
function refusalCodes(results: PromiseSettledResult<unknown>[]): string[] {
  return results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => {
      const reason: unknown = r.reason;
      if (!(reason instanceof PatinaError)) throw reason;
      return reason.code;
    });
}

async function livePats(node: TestApp, ownerId: string) {
  return node.storage.db
    .selectFrom('personal_access_tokens')
    .select(['id', 'name'])
    .where('owner_id', '=', ownerId)
    .where('deleted_at', 'is', null)
    .execute();
}

describe(`concurrent creates for one owner (${NODE_COUNT} node(s))`, () => {
  it('40 creates of one name: one succeeds, 39 are reference conflicts, one live row', async () => {
    const { nodes } = await startNodes({
      count: NODE_COUNT,
      config: { policy: { maxTokensPerOwner: 100 } },
    });
    const owner = await identity(nodes, 'olga');
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        nodes[i % nodes.length]!.mintPat(owner.id, { name: 'deploy' }),
      ),
    );
    const created = results.filter((r) => r.status === 'fulfilled');
    expect(created).toHaveLength(1);
    expect(refusalCodes(results)).toEqual(Array<string>(39).fill('REFERENCE_CONFLICT'));
    const live = await livePats(nodes[0]!, owner.id);
    expect(live).toEqual([{ id: created[0]!.value.id, name: 'deploy' }]);
  });

  it('20 creates of distinct names with a limit of 5: 5 succeed, 15 hit the limit', async () => {
    const { nodes } = await startNodes({
      count: NODE_COUNT,
      config: { policy: { maxTokensPerOwner: 5 } },
    });
    const owner = await identity(nodes, 'lima');
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        nodes[i % nodes.length]!.mintPat(owner.id, { name: `token-${i}` }),
      ),
    );
    const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.id] : []));
    expect(created).toHaveLength(5);
    expect(refusalCodes(results)).toEqual(Array<string>(15).fill('LIMIT_VIOLATION'));
    const live = await livePats(nodes[0]!, owner.id);
    expect(live.map((pat) => pat.id).sort()).toEqual([...created].sort());
  });
});

describe(`concurrent exchanges of one PAT (${NODE_COUNT} node(s))`, () => {
  it('write lastUsed once a day however many race, with one _USED event each time', async () => {
    const { nodes, clock } = await startNodes({ count: NODE_COUNT });
    const owner = await identity(nodes, 'uma');
    const { id, secret } = await nodes[0]!.mintPat(owner.id, { name: 'ci' });
    const node = nodes[0]!;

    const burst = async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => nodes[i % nodes.length]!.exchange(id, secret)),
      );
      expect(responses.map((r) => r.statusCode)).toEqual(Array<number>(20).fill(200));
    };
    const usedEvents = async () =>
      (await node.auditEvents('PERSONAL_ACCESS_TOKEN_USED')).filter((e) => e.target_id === id);
    const lastUsed = async () =>
      (
        await node.storage.db
          .selectFrom('personal_access_tokens')
          .select('last_used')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).last_used;

    await burst();
    expect(await lastUsed()).toBe(START);
    const first = await usedEvents();
    expect(first.map((e) => e.time)).toEqual([START]);

    // Within the day nothing more is written, even by a new burst.
    clock.advance(DAY_MS - 60_000);
    await burst();
    expect(await lastUsed()).toBe(START);
    expect(await usedEvents()).toHaveLength(1);

    // A day and more later, the next burst writes it exactly once more.
    clock.advance(2 * 60_000);
    const later = clock.now().toISOString();
    await burst();
    expect(await lastUsed()).toBe(later);
    expect((await usedEvents()).map((e) => e.time)).toEqual([START, later]);
  });
});
