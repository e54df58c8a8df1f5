import type { PatUsageResponse } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import type { UsageIncrement } from '../../src/storage/pat-usage-repository.js';
import { DIALECT } from '../dialect.js';
import type { TestApp } from '../helpers.js';
import { startNodes } from '../storage/nodes.js';

async function usageOn(node: TestApp, id: string): Promise<PatUsageResponse['days']> {
  const response = await node.request({
    method: 'GET',
    url: `/patina/v1/personal-access-tokens/${id}/usage?days=1`,
    token: await node.accessToken(node.admin.patId, node.admin.secret),
  });
  expect(response.statusCode).toBe(200);
  return response.json<PatUsageResponse>().days;
}

describe.runIf(DIALECT === 'postgres')('usage history with two nodes on one database', () => {
  it('adds both nodes’ counts of the same PAT and day, flushed at the same time, losing none', async () => {
    const { nodes } = await startNodes({ count: 2 });
    const [a, b] = [nodes[0]!, nodes[1]!];
    const pat = await a.mintPat(a.admin.identity.id, { name: 'ci', scope: ['orders:read'] });
    const ROUNDS = 4;
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await Promise.all([
        ...Array.from({ length: 5 }, () => a.exchange(pat.id, pat.secret)),
        ...Array.from({ length: 3 }, () => b.exchange(pat.id, pat.secret)),
        a.exchange(pat.id, 'not-the-secret'),
        b.exchange(pat.id, 'not-the-secret'),
      ]);
      expect(answers.map((answer) => answer.statusCode).sort()).toEqual([
        ...Array<number>(8).fill(200),
        401,
        401,
      ]);
      // Both nodes add to the same row at once.
      await Promise.all([a.services.patUsage.flush(), b.services.patUsage.flush()]);
    }
    const expected = [{ day: '2026-01-15', succeeded: 8 * ROUNDS, failed: 2 * ROUNDS }];
    expect(await usageOn(a, pat.id)).toEqual(expected);
    expect(await usageOn(b, pat.id)).toEqual(expected);
  });

  it('does not deadlock or lose counts when nodes add overlapping batches in opposite orders', async () => {
    const { nodes } = await startNodes({ count: 2 });
    const [a, b] = [nodes[0]!, nodes[1]!];
    const ids = Array.from({ length: 40 }, (_, i) => i.toString(16).padStart(32, '0'));
    const batch = (order: string[]): UsageIncrement[] =>
      order.map((patId) => ({ patId, day: '2026-01-15', succeeded: 1, failed: 2 }));
    const ADDS = 15;
    await Promise.all(
      Array.from({ length: ADDS }, () => [
        a.storage.repos.patUsage.add(batch(ids)),
        b.storage.repos.patUsage.add(batch([...ids].reverse())),
      ]).flat(),
    );
    const range = { fromDay: '2026-01-15', toDay: '2026-01-15' };
    const stored = await a.storage.repos.patUsage.forPats(ids, range);
    for (const id of ids) {
      expect(stored.get(id)).toEqual([
        { day: '2026-01-15', succeeded: 2 * ADDS, failed: 4 * ADDS },
      ]);
    }
  });

  it('stores a node’s last counts when it shuts down', async () => {
    const { nodes } = await startNodes({ count: 2 });
    const [a, b] = [nodes[0]!, nodes[1]!];
    const pat = await a.mintPat(a.admin.identity.id, { name: 'ci', scope: ['orders:read'] });
    expect((await b.exchange(pat.id, pat.secret)).statusCode).toBe(200);
    expect((await b.exchange(pat.id, 'not-the-secret')).statusCode).toBe(401);
    await b.services.close(); // no flush asked for: closing does it, before the pool goes
    expect(await usageOn(a, pat.id)).toEqual([{ day: '2026-01-15', succeeded: 1, failed: 1 }]);
  });
});
