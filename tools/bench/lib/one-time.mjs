import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * The lines of a one-time scenario (S6's bodies, S7's DPoP proofs), made before each of its
 * measurements, each sent once (lib/load.mjs, kind `once`).
 */

/** How far past the fastest rate seen a one-time scenario's lines reach. */
export const ONE_TIME_MARGIN = 1.5;
/**
 * The margin of a smoke run: its measurements last a second, on a machine that may be busy with
 * other work, where one scenario's second can run several times faster than its pace scenario's
 * did; lines are cheap at that length, and a smoke run that runs out proves nothing.
 */
export const SMOKE_ONE_TIME_MARGIN = 5;
/** Lines per second when neither the scenario nor its pace scenario has run (--only S6). */
export const ONE_TIME_FALLBACK_PER_SECOND = 10_000;

/**
 * Fails before anything is measured when a measurement would outlast the time a scenario's lines
 * stay good (S7's proofs are refused after dpop.proofMaxAgeSeconds).
 *
 * @param {import('./scenarios.mjs').Scenario[]} list
 * @param {number} seconds of each measurement
 */
export function checkFreshness(list, seconds) {
  for (const scenario of list) {
    const fresh = scenario.oneTime?.freshForSeconds;
    if (fresh !== undefined && seconds > fresh) {
      throw new Error(
        `${scenario.id}: --seconds ${seconds} is longer than its one-time lines stay good (${fresh} s after they are made); use --seconds ${fresh} or fewer, or leave ${scenario.id} out with --only`,
      );
    }
  }
}

/**
 * Writes the lines for one measurement of `scenario` to a file in `workDir`: `margin` (1.5 unless
 * given) × the fastest requests/s its pace scenario or it itself has shown in `fastest` (else
 * 10,000/s) × `seconds`.
 * Lines that go stale must be made and sent within their `freshForSeconds`: when making them
 * took so long that the measurement would end after that, this fails instead.
 *
 * @param {import('./scenarios.mjs').Scenario & { oneTime: NonNullable<import('./scenarios.mjs').Scenario['oneTime']> }} scenario
 * @param {{ seconds: number, workDir: string, fastest: Map<string, number>, margin?: number, now?: () => number }} options
 *   `now`: a clock in ms (performance.now by default), for the tests
 * @returns {{ file: string, count: number, makingSeconds: number, remove: () => void }}
 */
export function makeOneTimeLines(scenario, options) {
  const { pacedBy, lines, freshForSeconds } = scenario.oneTime;
  const now = options.now ?? (() => performance.now());
  const pace = Math.max(options.fastest.get(pacedBy) ?? 0, options.fastest.get(scenario.id) ?? 0);
  const perSecond =
    pace === 0 ? ONE_TIME_FALLBACK_PER_SECOND : (options.margin ?? ONE_TIME_MARGIN) * pace;
  const count = Math.ceil(perSecond * options.seconds);
  const file = join(options.workDir, `${scenario.id}-once.txt`);
  const remove = () => rmSync(file, { force: true });
  const started = now();
  writeFileSync(file, lines(count).join('\n') + '\n', { mode: 0o600 });
  const makingSeconds = (now() - started) / 1000;
  if (freshForSeconds !== undefined && makingSeconds + options.seconds > freshForSeconds) {
    remove();
    throw new Error(
      `${scenario.id}: its one-time lines are good for ${freshForSeconds} s after they are made; ${makingSeconds.toFixed(1)} s of making ${count} and a ${options.seconds} s measurement would outlast that (use fewer --seconds)`,
    );
  }
  return { file, count, makingSeconds, remove };
}
