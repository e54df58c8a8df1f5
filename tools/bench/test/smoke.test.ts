import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

/**
 * The benchmark harness (run.mjs, `npm run bench`) run once in smoke mode, so it cannot rot
 * unnoticed: a second per scenario, one round, 1,000 PATs for the growth step, S1 and S2 with
 * each --workers setting, the verification path, and the PostgreSQL phase with one node and two
 * on the test server. Benchmarks are not tests: nothing here is about
 * speed, only that every scenario ran and the reports were written.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUN = fileURLToPath(new URL('../run.mjs', import.meta.url));
const SMOKE_TIMEOUT_MS = 300_000;

/** The machine's cores: the workers phase runs C − 1 workers too where that is 2 or more. */
const CORES = availableParallelism();
const WORKER_MODES = ['1', ...(CORES >= 3 ? [String(CORES - 1)] : []), 'auto'];

/** Spelled out here, not imported from lib/, so a scenario the harness drops fails the test. */
const SCENARIO_IDS = [
  'H',
  'S1',
  'S1-peer',
  'S2',
  'S2-10',
  'S3',
  'S4-wrong-secret',
  'S4-unknown-id',
  'S6',
  'S7',
  'S8',
  ...WORKER_MODES.flatMap((mode) => [`S1-w${mode}`, `S2-w${mode}`]),
  'H-1000',
  'S5-S1-1000',
  'S5-S2-1000',
  'S5-S3-1000',
  'H-pg',
  'S1-pg',
  'S2-pg',
  'S2-10-pg',
  'S1-pg-2nodes',
  'S2-pg-2nodes',
];

interface SmokeResult {
  mode: string;
  scenarios: {
    id: string;
    median: { requestsPerSecond: unknown; p50Ms: unknown; p99Ms: unknown };
  }[];
  memory: { pats: number; database: string; idleRssMb: unknown; underS1RssMb: unknown }[];
  metricsCost: {
    id: string;
    off: { requestsPerSecond: unknown };
    on: { requestsPerSecond: unknown };
    ratio: unknown;
  }[];
  targets: { target: string; value: unknown; notEvaluable?: string }[];
  federation: { jwksFetches: unknown };
  workers: { cores: number; modes: { name: string; processesSeen: number[] }[] };
  verification: {
    verify: { verificationsPerSecond: unknown; p99Ms: unknown };
    jose: { verificationsPerSecond: unknown; p99Ms: unknown };
    freshAtEnd: unknown;
  };
}

function runHarness(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // The PostgreSQL phase makes its throwaway database on the server the tests use (CI sets it).
    const database = process.env.PATINA_TEST_DATABASE_URL;
    const args = [RUN, '--smoke', '--out', out, ...(database ? ['--database-url', database] : [])];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), SMOKE_TIMEOUT_MS - 5_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the benchmark harness', () => {
  it(
    'runs every scenario once in smoke mode and writes the JSON, Markdown and SVG reports',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'patina-bench-smoke-'));
      onTestFinished(() => rmSync(out, { recursive: true, force: true }));

      const { code, output } = await runHarness(out);
      expect(code, output).toBe(0);

      const files = readdirSync(out).sort();
      const json = files.find((f) => f.endsWith('.json'));
      expect(json, files.join(', ')).toBeDefined();
      const stem = join(out, (json ?? '').replace(/\.json$/, ''));
      expect(existsSync(`${stem}.md`)).toBe(true);
      for (const chart of [`${stem}.svg`, `${stem}-growth.svg`]) {
        expect(readFileSync(chart, 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
      }

      const result = JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as SmokeResult;
      expect(result.mode).toBe('smoke');
      expect(result.scenarios.map((s) => s.id).sort()).toEqual([...SCENARIO_IDS].sort());
      for (const scenario of result.scenarios) {
        const { requestsPerSecond, p50Ms, p99Ms } = scenario.median;
        expect(typeof requestsPerSecond, scenario.id).toBe('number');
        expect(requestsPerSecond as number, scenario.id).toBeGreaterThan(0);
        expect(typeof p50Ms, scenario.id).toBe('number');
        expect(typeof p99Ms, scenario.id).toBe('number');
      }
      expect(result.memory.map((m) => `${m.database} ${m.pats}`)).toEqual([
        'sqlite 100',
        'sqlite 1000',
        'postgres 100',
        'postgres 100',
      ]);
      for (const memory of result.memory) {
        expect(memory.idleRssMb as number).toBeGreaterThan(0);
        expect(memory.underS1RssMb as number).toBeGreaterThan(0);
      }
      // S1 and S2 with the metrics listener off and on (the run scraped it while on).
      expect(result.metricsCost.map((c) => c.id)).toEqual(['S1', 'S2']);
      for (const cost of result.metricsCost) {
        expect(cost.off.requestsPerSecond as number, cost.id).toBeGreaterThan(0);
        expect(cost.on.requestsPerSecond as number, cost.id).toBeGreaterThan(0);
        expect(typeof cost.ratio, cost.id).toBe('number');
      }
      // S6 ran on one Patina process (the SQLite base phase): it fetched the issuer's key set
      // once and took every later token's key from its cache.
      expect(result.federation.jwksFetches).toBe(1);
      // The workers phase started Patina once per mode, each with at least one process.
      expect(result.workers.cores).toBe(CORES);
      expect(result.workers.modes.map((m) => m.name)).toEqual(WORKER_MODES);
      for (const mode of result.workers.modes) {
        expect(mode.processesSeen.length, mode.name).toBe(1);
        expect(mode.processesSeen[0], mode.name).toBeGreaterThanOrEqual(1);
      }
      // The verification path: both ways verified the token, and the verifier's stream stayed
      // fresh (a stale one refuses every token).
      for (const way of [result.verification.verify, result.verification.jose]) {
        expect(way.verificationsPerSecond as number).toBeGreaterThan(0);
        expect(typeof way.p99Ms).toBe('number');
      }
      expect(result.verification.freshAtEnd).toBe(true);
      // Every target of the issues' tables is evaluated against something measured, but the
      // workers target on a machine of fewer than 4 cores, which says it cannot be evaluated.
      expect(result.targets.length).toBe(20);
      for (const target of result.targets) {
        if (target.notEvaluable !== undefined) {
          expect(CORES).toBeLessThan(4);
          expect(target.notEvaluable).toBe(`not evaluable on ${CORES} cores`);
          expect(target.value).toBeNull();
        } else expect(target.value, target.target).not.toBeNull();
      }
    },
    SMOKE_TIMEOUT_MS,
  );
});
