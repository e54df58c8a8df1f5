import { parseArgs } from 'node:util';
import process from 'node:process';

/**
 * The command line of tools/bench/run.mjs.
 *
 * @typedef {{
 *   smoke: boolean,
 *   seconds: number,
 *   rounds: number,
 *   warmupSeconds: number,
 *   connections: number,
 *   basePats: number,
 *   scalePats: number,
 *   growth: number[],
 *   skipScale: boolean,
 *   skipPostgres: boolean,
 *   skipMetrics: boolean,
 *   only: string[] | undefined,
 *   databaseUrl: string,
 *   out: string,
 *   generator: 'wrk' | 'autocannon' | undefined,
 *   keep: boolean,
 * }} BenchOptions
 */

/** The sizes of the growth curve (S5) past the base phase, up to --pats. */
const GROWTH = [100_000, 1_000_000, 10_000_000];

/** Where results go unless --out says otherwise, from the repository root. */
const RESULTS = 'tools/bench/results';

export const USAGE = `Usage: node tools/bench/run.mjs [options]   (or: npm run bench -- [options])
  --seconds N        seconds per measurement (default 10; smoke 1)
  --rounds N         alternating rounds, medians reported (default 3; smoke 1)
  --connections N    concurrent connections of the load generator (default 50)
  --pats N           the largest database of the growth curve S5 (default 10000000; smoke
                     1000): phases at 100,000, 1,000,000 and 10,000,000 PATs up to N, and N
  --skip-scale       leave out S5 (the growth curve past the base 1,000 PATs)
  --skip-postgres    leave out S1 and S2 on PostgreSQL and the two-node figures
  --skip-metrics     leave out S1 and S2 with the Prometheus metrics listener on and off
  --only IDS         measure only these scenarios of the 1,000-PAT SQLite phase, comma-separated
                     ids as in the results (e.g. S1,S6); implies the three --skip-… options.
                     Also: S1-w1,S2-w1,S1-wauto,S2-wauto (and S1-w<C-1>,S2-w<C-1> on C ≥ 3
                     cores) for the workers phase, V1 for the verification path
  --database-url U   the PostgreSQL server to make a throwaway database on (default
                     PATINA_BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
  --generator G      wrk or autocannon (default: wrk when installed)
  --smoke            one short round of everything, for npm test: numbers mean nothing
  --out DIR          where <date>.json, .md and .svg go, from the repository root
                     (default tools/bench/results)
  --keep             keep the temporary data directory
`;

/** @param {string[]} argv @returns {BenchOptions} */
export function readOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      pats: { type: 'string' },
      'skip-scale': { type: 'boolean', default: false },
      'skip-postgres': { type: 'boolean', default: false },
      'skip-metrics': { type: 'boolean', default: false },
      only: { type: 'string' },
      'database-url': { type: 'string' },
      generator: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string', default: RESULTS },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const smoke = values.smoke === true;
  const generator = values.generator;
  if (generator !== undefined && generator !== 'wrk' && generator !== 'autocannon') {
    throw new Error(`--generator must be wrk or autocannon, not ${generator}`);
  }
  const only = values.only?.split(',').map((id) => id.trim());
  if (only !== undefined && (only.length === 0 || only.includes(''))) {
    throw new Error('--only must be scenario ids separated by commas, e.g. S1,S6');
  }
  const scalePats = positive('pats', values.pats, smoke ? 1_000 : 10_000_000);
  const basePats = Math.min(smoke ? 100 : 1_000, scalePats);
  return {
    smoke,
    seconds: positive('seconds', values.seconds, smoke ? 1 : 10),
    rounds: positive('rounds', values.rounds, smoke ? 1 : 3),
    warmupSeconds: smoke ? 1 : 3,
    connections: positive('connections', values.connections, 50),
    // The 1,000-PAT figures S5 is compared with; a smaller base in smoke mode so the scale step
    // still seeds something.
    basePats,
    scalePats,
    growth: [...GROWTH.filter((n) => n > basePats && n < scalePats), scalePats].filter(
      (n) => n > basePats,
    ),
    skipScale: values['skip-scale'] === true || only !== undefined,
    skipPostgres: values['skip-postgres'] === true || only !== undefined,
    skipMetrics: values['skip-metrics'] === true || only !== undefined,
    only,
    databaseUrl:
      values['database-url'] ??
      process.env.PATINA_BENCH_DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    out: values.out ?? RESULTS,
    generator,
    keep: values.keep === true,
  };
}

/** @param {string} name @param {string | undefined} value @param {number} fallback */
function positive(name, value, fallback) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}
