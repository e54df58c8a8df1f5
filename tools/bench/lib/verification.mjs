import { URL, fileURLToPath } from 'node:url';
import process from 'node:process';
import { runPinnedMeasured } from './processes.mjs';
import { median } from './report.mjs';

const WORKER = fileURLToPath(new URL('./verify-worker.mjs', import.meta.url));

/** The phase's id for --only. */
export const VERIFICATION_ID = 'V1';

/**
 * @typedef {{ verificationsPerSecond: number, count: number, p50Ms: number, p99Ms: number }} VerifyRound
 */

/**
 * The verification path (docs/benchmarks.md, "The verification path"): an access token Patina
 * issued to its administrator, verified in lib/verify-worker.mjs, pinned to `cpu`, by
 * @patina/verify against the running Patina and by jose's jwtVerify alone, in alternating rounds.
 * The verifier runs as a resource server does: a receiver identity holding `ssf.manage` and a
 * PAT of its own, for the event stream the verifier opens.
 *
 * @param {any} fixture run.mjs's prepareFixture
 * @param {{ cpu: number | string | undefined, seconds: number, rounds: number, warmupSeconds: number, log: (message: string) => void, nodeArgs?: string[] }} options
 *   `nodeArgs`: flags for the worker's node (`--cpu-prof`, to see where verification's time goes)
 */
export async function runVerificationPhase(fixture, options) {
  const targets = await fixture.start();
  try {
    const node = fixture.nodes[0];
    const receiver = await node.createUserWithPat(targets.adminToken, { rights: ['ssf.manage'] });
    const input = {
      issuer: targets.patinaUrl,
      clientId: receiver.clientId,
      clientSecret: receiver.clientSecret,
      token: targets.adminToken,
      seconds: options.seconds,
      rounds: options.rounds,
      warmupSeconds: options.warmupSeconds,
    };
    const { output } = await runPinnedMeasured(
      process.execPath,
      [...(options.nodeArgs ?? []), WORKER],
      {
        cpu: options.cpu,
        env: { BENCH_VERIFY_INPUT: JSON.stringify(input) },
        timeoutMs:
          ((options.seconds * 2 + 1) * options.rounds + options.warmupSeconds * 2 + 60) * 1000,
      },
    );
    const line = output.split('\n').findLast((l) => l.startsWith('{'));
    if (!line) throw new Error(`no result from the verification worker:\n${output.slice(-2000)}`);
    const measured = JSON.parse(line);
    for (const [name, rounds] of Object.entries(measured.rounds)) {
      rounds.forEach((r, i) =>
        options.log(
          `verification, round ${i + 1}/${options.rounds} ${name}: ${Math.round(r.verificationsPerSecond)}/s, p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms`,
        ),
      );
    }
    return summarizeVerification(measured.rounds, measured.freshAtEnd === true);
  } finally {
    await fixture.stop();
  }
}

/**
 * Medians over rounds of each path, verify ÷ jose of the medians, and the ratio round by round
 * (the rounds alternate, so each round's pair ran back to back).
 *
 * @param {{ verify: VerifyRound[], jose: VerifyRound[] }} rounds
 * @param {boolean} freshAtEnd whether the verifier's stream was still fresh after the last round
 */
export function summarizeVerification(rounds, freshAtEnd) {
  if (rounds.verify.length === 0 || rounds.verify.length !== rounds.jose.length) {
    throw new Error('the verification rounds must be pairs: as many of verify as of jose');
  }
  const of = (list) => ({
    verificationsPerSecond: median(list.map((r) => r.verificationsPerSecond)),
    p50Ms: median(list.map((r) => r.p50Ms)),
    p99Ms: median(list.map((r) => r.p99Ms)),
    rounds: list,
  });
  const verify = of(rounds.verify);
  const jose = of(rounds.jose);
  return {
    id: VERIFICATION_ID,
    verify,
    jose,
    ratio: verify.verificationsPerSecond / jose.verificationsPerSecond,
    ratioPerRound: rounds.verify.map(
      (r, i) => r.verificationsPerSecond / (rounds.jose[i]?.verificationsPerSecond ?? NaN),
    ),
    freshAtEnd,
  };
}
