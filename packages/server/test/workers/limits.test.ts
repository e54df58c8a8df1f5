import { describe, expect, it } from 'vitest';
import { DIALECT } from '../dialect.js';
import { WorkerNode, WORKERS_TIMEOUT_MS, workerSlots } from './harness.js';

/**
 * Rate limits and the failure throttle count for the node, not per worker (docs/operations.md,
 * "Workers"): the primary keeps the counts. Requests on fresh connections go to every worker in
 * turn, so counts kept per worker would let N × the limit through.
 */
const CONFIG = {
  policy: {
    maxTokensPerOwner: 1000,
    rateLimit: { max: 10, windowSeconds: 600 },
    lockout: { maxFailures: 4, windowSeconds: 600, durationSeconds: 600 },
  },
};

/*
 * The primary keeps the counts for the whole node (core/shared-state.ts): N workers never let N ×
 * the limit through. SQLite only: the counts are the same on PostgreSQL, and one database is enough.
 */
describe.skipIf(DIALECT === 'postgres')('limits of a node with workers (SQLite)', () => {
  it(
    'a rate limit of 10 lets 10 of 20 requests through, however they spread over 2 workers; 4 failures lock the client for the whole node',
    async () => {
      const node = await WorkerNode.start({ workers: 2, config: CONFIG });
      const credentials = node.credentials();
      const token = await node.accessToken(credentials);

      const path = '/v3/personal-access-tokens';
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) {
        statuses.push((await node.send('GET', `${path}?owner-id=me`, { token })).status);
      }
      // Soft: the throttle below is checked even when the rate limit fails.
      expect
        .soft(
          statuses.filter((s) => s === 200),
          'requests let through',
        )
        .toHaveLength(10);
      // The first ten pass, the rest are refused: one window for the node.
      expect
        .soft(statuses)
        .toEqual([...Array<number>(10).fill(200), ...Array<number>(10).fill(429)]);
      await node.process.waitForLog(
        () => node.requestLines().filter((line) => line.path === path).length >= 20,
        10_000,
      );
      const lines = node.requestLines().filter((line) => line.path === path);
      // Both workers answered both kinds: each alone would have let 10 through.
      for (const status of [200, 429]) {
        const workers = new Set(lines.filter((l) => l.statusCode === status).map((l) => l.worker));
        expect.soft([...workers].sort(), `workers that answered ${status}`).toEqual(workerSlots(2));
      }

      // The failure throttle: 4 wrong secrets (over both workers) lock the client id here.
      const failures: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        const wrong = await node.exchange(credentials.clientId, `${credentials.clientSecret}x`);
        failures.push(wrong.status);
      }
      expect(failures).toEqual([401, 401, 401, 401, 429, 429, 429]);
      const refusedExchanges = () =>
        node.requestLines().filter((l) => l.path === '/oauth/token' && l.statusCode !== 200);
      await node.process.waitForLog(() => refusedExchanges().length >= 7, 10_000);
      expect(refusedExchanges()).toHaveLength(7);
      // The four failures that locked the client came through both workers.
      const lockers = refusedExchanges().slice(0, 4);
      expect([...new Set(lockers.map((l) => l.worker))].sort()).toEqual(workerSlots(2));
      // A correct secret is never refused by the throttle.
      expect((await node.exchange(credentials.clientId, credentials.clientSecret)).status).toBe(
        200,
      );
    },
    WORKERS_TIMEOUT_MS,
  );
});
