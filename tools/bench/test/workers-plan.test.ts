import { describe, expect, it } from 'vitest';

/** lib/workers.mjs: which --workers settings a machine gets, and how each is pinned. */
interface WorkerMode {
  name: string;
  workers: number | 'auto';
  serverCpus: string | undefined;
  expectedProcesses: number;
  pinning: string;
}
interface WorkersModule {
  workerModes: (
    cores: number,
    pinned: boolean,
  ) => { modes: WorkerMode[]; loadCpu: number | undefined };
  workerScenarioIds: (name: string) => string[];
}

const WORKERS = new URL('../lib/workers.mjs', import.meta.url).href;

describe('workerModes', () => {
  it('on 2 cores: one worker on CPU 0 and auto unpinned, the generator on CPU 1', async () => {
    const { workerModes } = (await import(WORKERS)) as WorkersModule;
    const plan = workerModes(2, true);
    expect(plan.loadCpu).toBe(1);
    expect(plan.modes).toEqual([
      {
        name: '1',
        workers: 1,
        serverCpus: '0',
        expectedProcesses: 1,
        pinning: 'server on CPU 0 (taskset -c 0), the load generator on CPU 1',
      },
      {
        name: 'auto',
        workers: 'auto',
        serverCpus: undefined,
        expectedProcesses: 3,
        pinning:
          'server not pinned (all 2 CPUs, sharing CPU 1 with the load generator), the load generator on CPU 1',
      },
    ]);
  });

  it('on 4 cores: also C − 1 = 3 workers on CPUs 0-2, the generator on CPU 3', async () => {
    const { workerModes } = (await import(WORKERS)) as WorkersModule;
    const plan = workerModes(4, true);
    expect(plan.loadCpu).toBe(3);
    expect(plan.modes.map((m) => [m.name, m.workers, m.serverCpus, m.expectedProcesses])).toEqual([
      ['1', 1, '0', 1],
      ['3', 3, '0-2', 4],
      ['auto', 'auto', undefined, 5],
    ]);
  });

  it('pins nothing when pinning is not available, and says so', async () => {
    const { workerModes } = (await import(WORKERS)) as WorkersModule;
    const plan = workerModes(8, false);
    expect(plan.loadCpu).toBeUndefined();
    expect(plan.modes.map((m) => m.serverCpus)).toEqual([undefined, undefined, undefined]);
    for (const mode of plan.modes) expect(mode.pinning).toMatch(/^not pinned/);
  });

  it('refuses a core count that is not a positive integer', async () => {
    const { workerModes } = (await import(WORKERS)) as WorkersModule;
    expect(() => workerModes(0, true)).toThrow('cores must be ≥ 1, not 0');
  });

  it('names the scenarios of a mode after S1 and S2', async () => {
    const { workerScenarioIds } = (await import(WORKERS)) as WorkersModule;
    expect(workerScenarioIds('auto')).toEqual(['S1-wauto', 'S2-wauto']);
  });
});
