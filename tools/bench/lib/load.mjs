import { spawnSync } from 'node:child_process';
import { URL, fileURLToPath } from 'node:url';
import process from 'node:process';
import { runPinned } from './processes.mjs';
import { runWrk } from './wrk.mjs';

const WORKER = fileURLToPath(new URL('./autocannon-worker.mjs', import.meta.url));

/**
 * What to send. `static`: the same request over and over. `create-delete` (S3): POST a PAT to
 * `path`, DELETE `path/<id>` of the one just created, repeat.
 *
 * @typedef {{
 *   url: string,
 *   kind?: 'static' | 'create-delete',
 *   method: string,
 *   path: string,
 *   headers?: Record<string, string>,
 *   body?: string,
 *   expect: number[],
 * }} LoadSpec
 */

/**
 * One measurement. `unexpected` counts responses whose status was not in `expect`.
 *
 * @typedef {{
 *   requestsPerSecond: number,
 *   p50Ms: number,
 *   p99Ms: number,
 *   expected: number,
 *   unexpected: number,
 *   lastUnexpectedStatus: number | null,
 *   socketErrors: number,
 * }} LoadResult
 */

/** `wrk` when it is installed, else `autocannon`. @param {'wrk' | 'autocannon' | undefined} wanted */
export function pickGenerator(wanted) {
  if (wanted) return wanted;
  return spawnSync('wrk', ['--version']).error ? 'autocannon' : 'wrk';
}

/**
 * Runs one measurement with the chosen generator, pinned to `cpu`, and refuses a result where
 * more than 1% of the responses had an unexpected status (a benchmark of error pages).
 *
 * @param {LoadSpec} spec
 * @param {{ generator: 'wrk' | 'autocannon', seconds: number, connections: number, cpu?: number, workDir: string }} options
 * @returns {Promise<LoadResult>}
 */
export async function measure(spec, options) {
  const result =
    options.generator === 'wrk' ? await runWrk(spec, options) : await runAutocannon(spec, options);
  const total = result.expected + result.unexpected;
  if (total === 0 || result.unexpected > total * 0.01) {
    throw new Error(
      `${spec.method} ${spec.url}${spec.path}: ${result.unexpected} of ${total} responses had an unexpected status (last ${result.lastUnexpectedStatus})`,
    );
  }
  return result;
}

/**
 * @param {LoadSpec} spec
 * @param {{ seconds: number, connections: number, cpu?: number }} options
 * @returns {Promise<LoadResult>}
 */
async function runAutocannon(spec, options) {
  const input = JSON.stringify({
    spec,
    seconds: options.seconds,
    connections: options.connections,
  });
  const output = await runPinned(process.execPath, [WORKER, input], {
    cpu: options.cpu,
    timeoutMs: (options.seconds + 60) * 1000,
  });
  // The result is the worker's last JSON line; anything else is a warning.
  const line = output.split('\n').findLast((l) => l.startsWith('{'));
  if (!line) throw new Error(`no result from autocannon:\n${output}`);
  return JSON.parse(line);
}
