import { spawnSync } from 'node:child_process';
import { URL, fileURLToPath } from 'node:url';
import process from 'node:process';
import { runPinnedMeasured } from './processes.mjs';
import { runWrk } from './wrk.mjs';

const WORKER = fileURLToPath(new URL('./autocannon-worker.mjs', import.meta.url));

/**
 * What to send. `static`: the same request over and over. `create-delete` (S3): POST a PAT to
 * `path`, DELETE `path/<id>` of the one just created, repeat. `once`: each request takes the next
 * line of the file `lines`, every line at most once, as its body (S6: each holds a token Patina
 * exchanges once) or, with `onceHeader`, as the value of that header (S7: each a DPoP proof
 * Patina accepts once); a request past the last line is counted in `exhausted`.
 *
 * @typedef {{
 *   url: string,
 *   kind?: 'static' | 'create-delete' | 'once',
 *   method: string,
 *   path: string,
 *   headers?: Record<string, string>,
 *   body?: string,
 *   lines?: string,
 *   onceHeader?: string,
 *   expect: number[],
 * }} LoadSpec
 */

/**
 * One measurement. `unexpected` counts responses whose status was not in `expect`; `exhausted`
 * the requests of a `once` spec made after its bodies ran out (0 for the other kinds);
 * `generatorCpu` the load generator's own CPU seconds over the wall seconds it ran (sampled from
 * /proc; null where that cannot be read).
 *
 * @typedef {{
 *   requestsPerSecond: number,
 *   p50Ms: number,
 *   p99Ms: number,
 *   expected: number,
 *   unexpected: number,
 *   lastUnexpectedStatus: number | null,
 *   socketErrors: number,
 *   exhausted: number,
 *   generatorCpu?: { cpuSeconds: number, wallSeconds: number } | null,
 * }} LoadResult
 */

/** `wrk` when it is installed, else `autocannon`. @param {'wrk' | 'autocannon' | undefined} wanted */
export function pickGenerator(wanted) {
  if (wanted) return wanted;
  return spawnSync('wrk', ['--version']).error ? 'autocannon' : 'wrk';
}

/**
 * Runs one measurement with the chosen generator, pinned to `cpu`, and refuses a result where
 * more than 1% of the responses had an unexpected status (a benchmark of error pages), or where
 * a `once` spec ran out of lines (its last requests would have measured refused replays).
 *
 * @param {LoadSpec | LoadSpec[]} spec several: measured together (measureSplit)
 * @param {{ generator: 'wrk' | 'autocannon', seconds: number, connections: number, cpu?: number | string, workDir: string }} options
 * @returns {Promise<LoadResult>}
 */
export async function measure(spec, options) {
  if (Array.isArray(spec)) return measureSplit(spec, options);
  const result =
    options.generator === 'wrk' ? await runWrk(spec, options) : await runAutocannon(spec, options);
  if (result.exhausted > 0) {
    const what = spec.onceHeader === undefined ? 'bodies' : `${spec.onceHeader} headers`;
    throw new Error(
      `${spec.method} ${spec.url}${spec.path}: ran out of one-time ${what} (${result.exhausted} requests after the last of them); the bench must make more before this measurement`,
    );
  }
  const total = result.expected + result.unexpected;
  if (total === 0 || result.unexpected > total * 0.01) {
    throw new Error(
      `${spec.method} ${spec.url}${spec.path}: ${result.unexpected} of ${total} responses had an unexpected status (last ${result.lastUnexpectedStatus})`,
    );
  }
  return result;
}

/**
 * Several servers at once (two Patina nodes on one database): one generator per spec, started
 * together, the connections shared out among them. Requests/s are summed; the latency
 * percentiles are the worst of the generators' (a percentile of the union is not theirs to
 * compute from the summaries).
 *
 * @param {LoadSpec[]} specs
 * @param {Parameters<typeof measure>[1]} options
 * @returns {Promise<LoadResult>}
 */
async function measureSplit(specs, options) {
  const connections = Math.max(1, Math.floor(options.connections / specs.length));
  const results = await Promise.all(
    specs.map((spec) => measure(spec, { ...options, connections })),
  );
  const sum = (key) => results.reduce((total, r) => total + r[key], 0);
  return {
    requestsPerSecond: sum('requestsPerSecond'),
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    expected: sum('expected'),
    unexpected: sum('unexpected'),
    lastUnexpectedStatus:
      results.find((r) => r.lastUnexpectedStatus !== null)?.lastUnexpectedStatus ?? null,
    socketErrors: sum('socketErrors'),
    exhausted: sum('exhausted'),
    generatorCpu: results.every((r) => r.generatorCpu)
      ? {
          cpuSeconds: results.reduce((total, r) => total + (r.generatorCpu?.cpuSeconds ?? 0), 0),
          wallSeconds: Math.max(...results.map((r) => r.generatorCpu?.wallSeconds ?? 0)),
        }
      : null,
  };
}

/**
 * @param {LoadSpec} spec
 * @param {{ seconds: number, connections: number, cpu?: number | string }} options
 * @returns {Promise<LoadResult>}
 */
async function runAutocannon(spec, options) {
  const input = JSON.stringify({
    spec,
    seconds: options.seconds,
    connections: options.connections,
  });
  const { output, cpu } = await runPinnedMeasured(process.execPath, [WORKER, input], {
    cpu: options.cpu,
    timeoutMs: (options.seconds + 60) * 1000,
  });
  // The result is the worker's last JSON line; anything else is a warning.
  const line = output.split('\n').findLast((l) => l.startsWith('{'));
  if (!line) throw new Error(`no result from autocannon:\n${output}`);
  return { ...JSON.parse(line), generatorCpu: cpu };
}
