import { describe, expect, it } from 'vitest';
import { DIALECT } from '../dialect.js';
import { alive, childPids, WorkerNode, WORKERS_TIMEOUT_MS, workerSlots } from './harness.js';

describe.skipIf(DIALECT === 'postgres')('a node with workers (SQLite)', () => {
  it.each([2, 4])(
    'with %i workers: the primary announces every worker, and each serves connections',
    async (workers) => {
      const node = await WorkerNode.start({ workers });
      const listening = node.listening;
      expect(listening).toMatchObject({ workers, database: 'sqlite' });
      // One 'patina listening', from the primary (no worker field), once every worker listens.
      const announced = node.process.logLines.filter((line) => line.msg === 'patina listening');
      expect(announced).toHaveLength(1);
      expect(announced[0]!.worker).toBeUndefined();
      const pids = node.startPids;
      expect(pids).toHaveLength(workers);
      expect(new Set(pids).size).toBe(workers);
      expect(pids).not.toContain(node.pid);
      // They are the primary's children, and alive.
      expect(childPids(node.pid)).toEqual([...pids].sort((a, b) => a - b));
      for (const pid of pids) expect(alive(pid)).toBe(true);

      // Fresh connections are spread over every worker: 3 rounds, each worker answers 3 times.
      const token = await node.accessToken(node.credentials());
      const answers: { status: number; worker: number }[] = [];
      for (let i = 0; i < workers * 3; i += 1) answers.push(await node.probe(token));
      // A valid token and an id no PAT has: 404, whoever answers.
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 404));
      const perWorker = workerSlots(workers).map(
        (slot) => answers.filter((a) => a.worker === slot).length,
      );
      expect(perWorker, 'requests each worker answered').toEqual(perWorker.map(() => 3));
      // Every worker line says which worker wrote it.
      for (const line of node.process.logLines) {
        if (line.msg === 'request') expect(workerSlots(workers)).toContain(line.worker);
      }

      expect(await node.process.stop()).toEqual({ code: 0, signal: null });
      for (const pid of pids) expect(alive(pid), `worker ${pid} after the stop`).toBe(false);
    },
    WORKERS_TIMEOUT_MS,
  );
});
