#!/usr/bin/env node
/**
 * Patina's benchmark (docs/benchmarks.md): a node:http hello world (the baseline H), Patina and
 * oidc-provider (the peer) on one CPU, the load generator on the other, scenarios S1–S5 in
 * alternating rounds, medians reported. Writes <out>/<date>.json, .md and .svg.
 *
 * Usage: node tools/bench/run.mjs [--seconds N] [--rounds N] [--skip-scale] [--smoke] [--out DIR]
 * (`node tools/bench/run.mjs --help` lists every option.) `npm run bench` builds first, then runs this.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { readOptions } from './lib/args.mjs';
import { renderChart } from './lib/chart.mjs';
import { pickGenerator, measure } from './lib/load.mjs';
import { describeMachine } from './lib/machine.mjs';
import { MAIN, Patina, ROOT } from './lib/patina.mjs';
import {
  canPin,
  freePort,
  rssMb,
  sampleRss,
  sleep,
  startPinned,
  waitForHttp,
} from './lib/processes.mjs';
import { evaluateTargets, fmtInt, medianOf, toMarkdown } from './lib/report.mjs';
import { baseScenarios, scaleScenarios } from './lib/scenarios.mjs';
import { seedPats } from './lib/seed.mjs';

const HELLO = fileURLToPath(new URL('./servers/hello.mjs', import.meta.url));
const PEER = fileURLToPath(new URL('./servers/oidc-peer.mjs', import.meta.url));
/** Admin PATs made through the API before seeding: the rows S2 lists (with the bootstrap PAT). */
const LIST_ROWS = 4;

const options = readOptions(process.argv.slice(2));
const startedAt = new Date();
const t0 = performance.now();

/** @param {string} message */
function log(message) {
  process.stderr.write(
    `[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
  );
}

async function main() {
  if (!existsSync(MAIN)) {
    log('packages/server/dist/main.js is missing: npm run build');
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const notes = [];
  const generator = pickGenerator(options.generator);
  if (generator === 'autocannon' && options.generator === undefined) {
    notes.push(
      'wrk is not installed here, so autocannon (Node.js, one core) generated the load; it saturates sooner than wrk, which flatters nothing but lowers H most.',
    );
  }
  const pinned = canPin(availableParallelism());
  if (!pinned) notes.push('taskset is missing or there are fewer than 2 CPUs: nothing was pinned.');
  if (options.smoke)
    notes.push(
      'Smoke run (npm test): one short round to prove the harness works; the numbers mean nothing.',
    );
  const serverCpu = pinned ? 0 : undefined;
  const load = {
    generator,
    seconds: options.seconds,
    connections: options.connections,
    cpu: pinned ? 1 : undefined,
  };

  const workDir = mkdtempSync(join(tmpdir(), 'patina-bench-'));
  if (!options.keep) process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));
  const dataDir = join(workDir, 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  log(
    `generator ${generator}, ${pinned ? 'servers on CPU 0, load on CPU 1' : 'unpinned'}, data in ${dataDir}`,
  );

  const helloUrl = await startServer(HELLO, [], '/', serverCpu);
  const peerClient = {
    clientId: 'bench-peer',
    clientSecret: randomBytes(32).toString('base64url'),
  };
  const peerUrl = await startServer(
    PEER,
    [peerClient.clientId, peerClient.clientSecret],
    '/.well-known/openid-configuration',
    serverCpu,
  );

  // First start bootstraps the admin; the S2 rows and the S3 caller are made through the API,
  // then the rest of the base PATs are seeded with Patina stopped.
  const patina = new Patina({ dataDir, cpu: serverCpu });
  await patina.start();
  const admin = patina.credentials();
  const bootToken = await patina.accessToken(admin);
  for (let i = 1; i <= LIST_ROWS; i++) {
    await patina.api(bootToken, 'POST', '/v3/personal-access-tokens', {
      name: `bench list row ${i}`,
    });
  }
  const s3Caller = await patina.createUserWithPat(bootToken);
  await patina.stop();

  const memory = [];
  const scenarios = [];
  const seeds = [];
  const phase = async (totalPats, makeScenarios) => {
    const seed = seedPats({ dataDir, totalPats });
    seeds.push(seed);
    log(
      `seeded ${fmtInt(seed.inserted)} PATs over ${fmtInt(seed.identities)} identities in ${seed.seconds.toFixed(1)} s: ${fmtInt(seed.total)} in the database`,
    );
    await patina.start();
    const targets = {
      helloUrl,
      peerUrl,
      peerClient,
      patinaUrl: patina.baseUrl,
      admin,
      adminToken: await patina.accessToken(admin),
      s3Token: await patina.accessToken(s3Caller),
    };
    await sleep(1000);
    const idleRssMb = rssMb(patina.pid) ?? 0;
    const { results, underS1RssMb } = await runRounds(
      makeScenarios(targets),
      patina.pid,
      load,
      workDir,
    );
    await sleep(1000);
    memory.push({
      pats: seed.total,
      idleRssMb,
      underS1RssMb,
      idleAfterRssMb: rssMb(patina.pid) ?? 0,
    });
    for (const r of results)
      scenarios.push({ ...r, pats: r.system === 'patina' ? seed.total : null });
    await patina.stop();
  };

  await phase(options.basePats, baseScenarios);
  if (!options.skipScale) await phase(options.scalePats, scaleScenarios);
  else notes.push('--skip-scale: S5 and the scale memory figures were not measured.');

  const results = {
    date: startedAt.toISOString(),
    mode: options.smoke ? 'smoke' : 'full',
    settings: {
      seconds: options.seconds,
      rounds: options.rounds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      basePats: options.basePats,
      scalePats: options.skipScale ? null : options.scalePats,
    },
    machine: { ...describeMachine(dataDir), generator, pinned },
    scenarios,
    memory,
    seeding: seeds,
    notes,
    durationSeconds: (performance.now() - t0) / 1000,
  };
  const document = {
    ...results,
    targets: evaluateTargets(results, options.skipScale ? 0 : options.scalePats),
  };
  writeResults(document);
}

/**
 * Starts one of tools/bench/servers on a free port and waits until `readyPath` answers.
 *
 * @returns {Promise<string>} its base URL
 */
async function startServer(script, args, readyPath, cpu) {
  const port = await freePort();
  const child = startPinned(process.execPath, [script, String(port), ...args], { cpu });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${readyPath}`, child);
  return url;
}

/**
 * Warms every scenario up once, then measures them in `rounds` rounds, each round starting one
 * scenario later than the one before, so no scenario always runs first or right after another.
 * Patina's RSS is sampled during its S1 measurements.
 *
 * @param {import('./lib/scenarios.mjs').Scenario[]} list
 * @param {number | undefined} patinaPid
 */
async function runRounds(list, patinaPid, load, workDir) {
  for (const scenario of list) {
    log(`warm-up ${scenario.id}`);
    await measure(scenario.spec, { ...load, seconds: options.warmupSeconds, workDir });
  }
  const rounds = new Map(list.map((s) => [s.id, []]));
  let underS1RssMb = 0;
  for (let round = 0; round < options.rounds; round++) {
    const order = list.map((_, i) => list[(i + round) % list.length]);
    for (const scenario of order) {
      const sampling =
        scenario.id.endsWith('S1') && patinaPid !== undefined ? sampleRss(patinaPid) : undefined;
      const result = await measure(scenario.spec, { ...load, workDir });
      if (sampling) underS1RssMb = Math.max(underS1RssMb, sampling());
      rounds.get(scenario.id)?.push(result);
      log(
        `round ${round + 1}/${options.rounds} ${scenario.id}: ${fmtInt(result.requestsPerSecond)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
      );
    }
  }
  const results = list.map((s) => {
    const measured = rounds.get(s.id) ?? [];
    return {
      id: s.id,
      label: s.label,
      system: s.system,
      median: medianOf(measured),
      rounds: measured,
    };
  });
  return { results, underS1RssMb };
}

/** Writes <date>.json, <date>.md and <date>.svg to --out and prints the Markdown. */
function writeResults(document) {
  const out = resolve(ROOT, options.out);
  mkdirSync(out, { recursive: true });
  const stamp = document.date.slice(0, 10);
  const base = join(out, stamp);
  writeFileSync(`${base}.json`, JSON.stringify(document, null, 2) + '\n');
  writeFileSync(`${base}.md`, toMarkdown(document));
  const scalePats = document.settings.scalePats;
  writeFileSync(
    `${base}.svg`,
    renderChart(document, {
      title: `Patina benchmark ${stamp}: median requests/s (${document.machine.generator}, 1 server core)`,
      baseLabel: `${fmtInt(document.settings.basePats)} PATs`,
      scaleLabel: scalePats === null ? 'scale' : `${fmtInt(scalePats)} PATs`,
    }),
  );
  process.stdout.write(toMarkdown(document));
  log(`wrote ${base}.json, .md and .svg`);
}

// The exit handlers in lib/processes.mjs stop every server this run started.
main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
