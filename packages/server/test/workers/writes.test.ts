import { describe, expect, it } from 'vitest';
import { DIALECT } from '../dialect.js';
import { pool, WorkerNode, WORKERS_TIMEOUT_MS, workerSlots } from './harness.js';

const CREATIONS = 200;
const CONCURRENCY = 40;

describe.skipIf(DIALECT === 'postgres')('writes from several workers (SQLite)', () => {
  it(
    `${CREATIONS} PAT creations over ${CONCURRENCY} concurrent connections to 4 workers all succeed`,
    async () => {
      const node = await WorkerNode.start({ workers: 4 });
      const admin = await node.accessToken(node.credentials());
      const answers = await pool(
        Array.from({ length: CREATIONS }, (_, i) => `burst-${i}`),
        CONCURRENCY,
        (name) => node.send('POST', '/v3/personal-access-tokens', { token: admin, json: { name } }),
      );
      const statuses = new Map<number, number>();
      for (const { status } of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const refused = answers.filter((a) => a.status !== 200).map((a) => JSON.stringify(a.body));
      const trouble = node.troubleLines().map((line) => JSON.stringify(line));
      expect(
        Object.fromEntries(statuses),
        `refusals: ${refused.slice(0, 3).join(' ')}\nlog: ${trouble.slice(0, 5).join('\n')}`,
      ).toEqual({ 200: CREATIONS });

      const listed = await node.listIds(admin);
      for (const answer of answers)
        expect(listed.has((answer.body as { id: string }).id)).toBe(true);
      // The admin's own PAT and the burst.
      expect(listed.size).toBe(CREATIONS + 1);

      const lines = node
        .requestLines()
        .filter((line) => line.path === '/v3/personal-access-tokens' && line.method === 'POST');
      expect(lines).toHaveLength(CREATIONS);
      expect([...new Set(lines.map((l) => l.worker))].sort()).toEqual(workerSlots(4));
      // Not one SQLITE_BUSY, lock error or error-level line.
      expect(node.troubleLines()).toEqual([]);
    },
    WORKERS_TIMEOUT_MS,
  );
});
