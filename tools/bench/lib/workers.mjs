import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { cpuShare, treeCpu } from './cpu.mjs';
import { measure } from './load.mjs';
import { MAIN } from './patina.mjs';
import { medianOf, median } from './report.mjs';
import { patList, tokenExchange } from './scenarios.mjs';
import { sleep } from './processes.mjs';

/**
 * The workers phase (docs/benchmarks.md, "Workers"): S1 and S2 against Patina started with
 * `serve --workers 1`, with `--workers C − 1` on a machine of C ≥ 3 cores (the server on C − 1
 * cores, the load generator on the last), and with `--workers auto` (one per core, the server
 * unpinned, sharing the generator's core), in alternating rounds, a restart for each.
 */

/**
 * One way of starting Patina in the workers phase. `workers` is what `--workers` gets;
 * `serverCpus` the taskset CPU list of the server (undefined: not pinned); `expectedProcesses`
 * the processes a build that forks workers runs (a primary and its workers, or one process).
 *
 * @typedef {{
 *   name: string,
 *   workers: number | 'auto',
 *   serverCpus: string | undefined,
 *   expectedProcesses: number,
 *   pinning: string,
 * }} WorkerMode
 */

/**
 * The modes for a machine of `cores` CPUs: 1 worker on CPU 0; C − 1 workers on CPUs 0 to C − 2
 * when that is more than one; `auto` (C workers) unpinned. The generator is on the last CPU in
 * every mode. Without pinning (`pinned` false) nothing is pinned and the plan says so.
 *
 * @param {number} cores
 * @param {boolean} pinned
 * @returns {{ modes: WorkerMode[], loadCpu: number | undefined }}
 */
export function workerModes(cores, pinned) {
  if (!Number.isInteger(cores) || cores < 1) throw new Error(`cores must be ≥ 1, not ${cores}`);
  const last = cores - 1;
  const load = pinned ? `, the load generator on CPU ${last}` : '';
  const unpinned = 'not pinned (taskset is missing or there is one CPU)';
  const modes = [
    {
      name: '1',
      workers: /** @type {number | 'auto'} */ (1),
      serverCpus: pinned ? '0' : undefined,
      expectedProcesses: 1,
      pinning: pinned ? `server on CPU 0 (taskset -c 0)${load}` : unpinned,
    },
  ];
  if (cores - 1 >= 2) {
    const cpus = `0-${cores - 2}`;
    modes.push({
      name: String(cores - 1),
      workers: cores - 1,
      serverCpus: pinned ? cpus : undefined,
      expectedProcesses: cores,
      pinning: pinned ? `server on CPUs ${cpus} (taskset -c ${cpus})${load}` : unpinned,
    });
  }
  modes.push({
    name: 'auto',
    workers: 'auto',
    serverCpus: undefined,
    expectedProcesses: cores + 1,
    pinning: pinned
      ? `server not pinned (all ${cores} CPUs, sharing CPU ${last} with the load generator)${load}`
      : unpinned,
  });
  return { modes, loadCpu: pinned ? last : undefined };
}

/** The scenario ids of a mode: `S1-w<name>` and `S2-w<name>`. @param {string} name */
export function workerScenarioIds(name) {
  return [`S1-w${name}`, `S2-w${name}`];
}

/**
 * Runs the phase on `fixture` (run.mjs's prepareFixture), restarting Patina for each mode in
 * each round, the order of the modes and of S1 and S2 turned every round. `only`: the scenario
 * ids to measure (undefined: all); `warmupSeconds` 0 measures without a warm-up. Returns the
 * per-scenario results (as run.mjs's other phases do) and, per mode, the processes Patina ran
 * and how it was pinned.
 *
 * @param {any} fixture
 * @param {{
 *   common: Record<string, unknown>,
 *   load: { generator: 'wrk' | 'autocannon', seconds: number, connections: number },
 *   workDir: string,
 *   rounds: number,
 *   warmupSeconds: number,
 *   cores: number,
 *   pinned: boolean,
 *   only: string[] | undefined,
 *   log: (message: string) => void,
 * }} options
 */
export async function runWorkersPhase(fixture, options) {
  const { cores, log } = options;
  const plan = workerModes(cores, options.pinned);
  const wanted = (id) => options.only === undefined || options.only.includes(id);
  const modes = plan.modes.filter((m) => workerScenarioIds(m.name).some(wanted));
  /** @type {Map<string, any[]>} */
  const measured = new Map();
  /** @type {Map<string, number[]>} */
  const processes = new Map();
  for (let round = 0; round < options.rounds; round++) {
    const order = modes.map((_, i) => modes[(i + round) % modes.length]);
    for (const mode of order) {
      fixture.launch({ cpu: mode.serverCpus, serveArgs: ['--workers', String(mode.workers)] });
      const targets = await startOrExplain(fixture, mode);
      const pid = fixture.nodes[0].pid;
      const seen = await waitForProcesses(pid, mode.expectedProcesses);
      processes.set(mode.name, [...(processes.get(mode.name) ?? []), seen.length]);
      const list = [
        { ...tokenExchange({ ...options.common, ...targets }), id: `S1-w${mode.name}` },
        { ...patList({ ...options.common, ...targets }), id: `S2-w${mode.name}` },
      ].filter((s) => wanted(s.id));
      if (round % 2 === 1) list.reverse();
      for (const scenario of list) {
        const load = { ...options.load, cpu: plan.loadCpu, workDir: options.workDir };
        if (options.warmupSeconds > 0) {
          await measure(scenario.spec, { ...load, seconds: options.warmupSeconds });
        }
        const before = treeCpu(pid);
        const started = performance.now();
        const result = await measure(scenario.spec, load);
        const wallSeconds = (performance.now() - started) / 1000;
        const after = treeCpu(pid);
        const serverCpuSeconds =
          before && after ? Math.max(0, after.cpuSeconds - before.cpuSeconds) : null;
        const round_ = {
          ...result,
          generatorShare: result.generatorCpu
            ? cpuShare({ ...result.generatorCpu, cores }).share
            : null,
          serverCores:
            serverCpuSeconds === null
              ? null
              : cpuShare({ cpuSeconds: serverCpuSeconds, wallSeconds, cores }).cores,
          processes: seen.length,
        };
        measured.set(scenario.id, [...(measured.get(scenario.id) ?? []), round_]);
        log(
          `workers ${mode.name}, round ${round + 1}/${options.rounds} ${scenario.id}: ${Math.round(result.requestsPerSecond)} req/s, ${seen.length} process(es), server ${fmtCores(round_.serverCores)} cores, generator ${fmtShare(round_.generatorShare)} of the machine`,
        );
      }
      await fixture.stop();
      killLeftovers(seen);
    }
  }
  fixture.launch({});
  const scenarios = [];
  for (const mode of modes) {
    for (const id of workerScenarioIds(mode.name).filter((i) => measured.has(i))) {
      const rounds = measured.get(id) ?? [];
      const what = id.startsWith('S1')
        ? 'POST /oauth/token'
        : 'GET /v3/personal-access-tokens?owner-id=me';
      scenarios.push({
        id,
        label: `${id}: ${what}, --workers ${mode.workers}`,
        system: 'patina',
        workers: mode.name,
        median: medianOf(rounds),
        generatorShare: medianOrNull(rounds.map((r) => r.generatorShare)),
        serverCores: medianOrNull(rounds.map((r) => r.serverCores)),
        rounds,
      });
    }
  }
  const rps = (id) => scenarios.find((s) => s.id === id)?.median.requestsPerSecond;
  const scaling = (which, name) => {
    const one = rps(`${which}-w1`);
    const many = rps(`${which}-w${name}`);
    return one === undefined || many === undefined ? null : many / one;
  };
  return {
    scenarios,
    workers: {
      cores,
      loadCpu: plan.loadCpu ?? null,
      modes: modes.map((m) => ({
        name: m.name,
        workers: m.workers,
        // What `auto` stands for: os.availableParallelism(), as Patina resolves it.
        workerCount: m.workers === 'auto' ? cores : m.workers,
        serverCpus: m.serverCpus ?? null,
        pinning: m.pinning,
        expectedProcesses: m.expectedProcesses,
        processesSeen: processes.get(m.name) ?? [],
        scalingS1: m.name === '1' ? null : scaling('S1', m.name),
        scalingS2: m.name === '1' ? null : scaling('S2', m.name),
      })),
    },
  };
}

/** Starts the fixture; a build that does not know `--workers` says so plainly. */
async function startOrExplain(fixture, mode) {
  try {
    return await fixture.start();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (/unknown option '--workers'/.test(text)) {
      throw new Error(
        `this build of Patina does not know --workers (${mode.workers}): npm run build -w @patina/server`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * The pids of Patina's process tree once it has `expected` processes, or what it has after 10 s
 * (a build that runs one process whatever --workers says; the report shows the count).
 */
async function waitForProcesses(pid, expected) {
  const deadline = Date.now() + 10_000;
  let pids = treeCpu(pid)?.pids ?? [pid];
  while (pids.length < expected && Date.now() < deadline) {
    await sleep(100);
    pids = treeCpu(pid)?.pids ?? pids;
  }
  // The workers are forked after the primary answers; give the last one time to listen.
  if (expected > 1) await sleep(500);
  return treeCpu(pid)?.pids ?? pids;
}

/**
 * Workers left behind by a primary that is gone: this run started them, so it ends them, each
 * by its pid, and only while that pid is still a Patina server (never a pid reused since).
 */
function killLeftovers(pids) {
  for (const pid of pids) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone, as it should be
    }
    if (!cmdline.includes(MAIN)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

/** @param {(number | null)[]} values */
function medianOrNull(values) {
  return values.every((v) => typeof v === 'number') && values.length > 0
    ? median(/** @type {number[]} */ (values))
    : null;
}

/** @param {number | null} cores */
function fmtCores(cores) {
  return cores === null ? '?' : cores.toFixed(2);
}

/** @param {number | null} share */
function fmtShare(share) {
  return share === null ? '?' : `${(share * 100).toFixed(0)}%`;
}
