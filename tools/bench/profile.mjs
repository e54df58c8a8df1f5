#!/usr/bin/env node
/**
 * The per-request CPU budget of Patina's hot paths (docs/benchmarks.md, "Where the CPU goes").
 * Starts Patina pinned to CPU 0 under `node --cpu-prof`, drives one scenario with wrk from CPU 1,
 * keeps only the samples taken while wrk ran, and charges each sample to a stage (HTTP parsing,
 * routing, hooks, rate limit, body parsing, client auth, digest, storage, signing, serialisation,
 * logging, …) by the innermost frame on its stack that belongs to one. µs per request = the
 * stage's busy time ÷ the requests answered in that window.
 *
 * Usage: node tools/bench/profile.mjs [--seconds N] [--main path/to/dist/main.js]...
 *        [--scenario S1|S2|S2-10|S3|S4|S7]... [--metrics off|on|both] [--rounds N] [--no-profiler]
 *        [--json FILE] [--keep-profiles DIR] [--log-level L]
 * Several --main options profile several builds in one run (before and after a change), each on a
 * fresh data directory, and print one table with a column per build. `--metrics both` profiles
 * each build with the Prometheus metrics off and on (`metrics.port`), a column each, so what the
 * metrics cost a request shows per stage. `--rounds N` repeats every column N times, the order of
 * the columns flipped every round, and reports the medians. `--no-profiler` leaves out
 * `--cpu-prof`: only the CPU time from /proc and the requests/s, without the profiler's share.
 */
/* global fetch -- Node's built-in fetch (Node 18+) */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { dpopClient } from './lib/dpop.mjs';
import { measure } from './lib/load.mjs';
import { makeOneTimeLines } from './lib/one-time.mjs';
import { MAIN, Patina } from './lib/patina.mjs';
import { freePort, sleep } from './lib/processes.mjs';
import { median } from './lib/report.mjs';
import { createDelete, dpopPatList, patList, tokenExchange } from './lib/scenarios.mjs';
import { STAGES, budget } from './lib/stages.mjs';
import { wrongSecret, tokenRequestBody } from './lib/patina.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    main: { type: 'string', multiple: true },
    scenario: { type: 'string', multiple: true },
    connections: { type: 'string', default: '32' },
    json: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'keep-profiles': { type: 'string' },
    metrics: { type: 'string', default: 'off' },
    rounds: { type: 'string', default: '1' },
    'no-profiler': { type: 'boolean', default: false },
  },
});
if (!['off', 'on', 'both'].includes(values.metrics)) {
  throw new Error(`--metrics must be off, on or both, not ${values.metrics}`);
}
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
const profiler = !values['no-profiler'];
const metricsModes = values.metrics === 'both' ? ['off', 'on'] : [values.metrics];
const seconds = Number(values.seconds);
const mains = (values.main ?? [MAIN]).map((m) => resolve(m));
const scenarioIds = values.scenario ?? ['S1', 'S2', 'S2-10', 'S4'];

/**
 * The scenarios: S1 and S4 as in the benchmark, S2 with the owner's 2 PATs (the bootstrap PAT
 * and one more), S2-10 with another owner's 10, S7 as S2 with a DPoP-bound token.
 */
function scenarioFor(id, t) {
  return id === 'S7' ? dpopPatList(t) : { id, spec: specFor(id, t) };
}

function specFor(id, t) {
  switch (id) {
    case 'S1':
      return tokenExchange(t).spec;
    case 'S2':
      return patList(t).spec;
    case 'S2-10':
      return patList({ ...t, adminToken: t.tenToken }).spec;
    case 'S3':
      return createDelete({ ...t, s3Token: t.tenToken }).spec;
    case 'S4':
      return {
        ...tokenExchange(t).spec,
        body: tokenRequestBody(t.admin.clientId, wrongSecret()),
        expect: [401],
      };
    default:
      throw new Error(`unknown scenario ${id}`);
  }
}

async function profileBuild(main, scenarioId, metricsMode) {
  const workDir = mkdtempSync(join(tmpdir(), 'patina-profile-'));
  const dataDir = join(workDir, 'data');
  const profDir = join(workDir, 'prof');
  mkdirSync(dataDir, { mode: 0o700 });
  try {
    const metricsPort = metricsMode === 'on' ? await freePort() : undefined;
    const patina = new Patina({
      dataDir,
      cpu: 0,
      main,
      nodeArgs: profiler
        ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '500']
        : [],
      env: { PATINA_LOG_LEVEL: values['log-level'] },
      config: metricsPort ? { metrics: { port: metricsPort } } : {},
    });
    await patina.start();
    const admin = patina.credentials();
    const bootToken = await patina.accessToken(admin);
    await patina.api(bootToken, 'POST', '/v3/personal-access-tokens', { name: 'profile row' });
    const ten = await patina.createUserWithPat(bootToken);
    const tenToken = await patina.accessToken(ten);
    for (let i = 2; i <= 10; i++) {
      await patina.api(tenToken, 'POST', '/v3/personal-access-tokens', { name: `row ${i}` });
    }
    const dpop = dpopClient();
    const dpopToken = await patina.accessToken(admin, {
      dpopProof: dpop.proof({ htm: 'POST', htu: `${patina.baseUrl}/oauth/token` }),
    });
    const t = {
      patinaUrl: patina.baseUrl,
      admin,
      adminToken: await patina.accessToken(admin),
      tenToken: await patina.accessToken(ten),
      dpopToken,
      dpopProofs: (htm, path, count) =>
        dpop.proofs({ htm, htu: `${patina.baseUrl}${path}`, accessToken: dpopToken, count }),
    };
    const scenario = scenarioFor(scenarioId, t);
    const load = { generator: 'wrk', connections: Number(values.connections), cpu: 1, workDir };
    // A one-time scenario (S7) gets fresh lines for each run, 10,000 a second: more than it does.
    const run = async (runSeconds) => {
      if (!scenario.oneTime) return measure(scenario.spec, { ...load, seconds: runSeconds });
      const once = makeOneTimeLines(
        { ...scenario, oneTime: scenario.oneTime },
        { seconds: runSeconds, workDir, fastest: new Map() },
      );
      try {
        return await measure(
          { ...scenario.spec, lines: once.file },
          { ...load, seconds: runSeconds },
        );
      } finally {
        once.remove();
      }
    };
    await run(3);
    await sleep(500);
    const from = process.hrtime.bigint() / 1000n;
    const cpuBefore = cpuSeconds(patina.pid);
    const result = await run(seconds);
    const cpuAfter = cpuSeconds(patina.pid);
    const to = process.hrtime.bigint() / 1000n;
    if (metricsPort) await checkScrape(metricsPort);
    await patina.stop();
    const requests = result.expected + result.unexpected;
    const cpuUsPerRequest = ((cpuAfter - cpuBefore) * 1e6) / requests;
    if (!profiler) {
      return { stages: {}, busyUsPerRequest: NaN, idleUsPerRequest: NaN, cpuUsPerRequest, result };
    }
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no profile written in ${profDir}`);
    if (values['keep-profiles']) {
      mkdirSync(values['keep-profiles'], { recursive: true });
      copyFileSync(
        join(profDir, file),
        join(values['keep-profiles'], `${scenarioId}-${Date.now()}.cpuprofile`),
      );
    }
    const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
    return {
      ...budget(profile, { from: Number(from), to: Number(to), requests }),
      cpuUsPerRequest,
      result,
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The metrics listener answered with Patina's families: the run measured metrics that work. */
async function checkScrape(port) {
  const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await scrape.text();
  if (!scrape.ok || !text.includes('patina_http_requests_total')) {
    throw new Error(`the metrics listener answered ${scrape.status} without Patina's metrics`);
  }
}

/**
 * User + system CPU time of a process so far, in seconds (/proc/<pid>/stat, all its threads: the
 * libuv pool's log writes included), to state the profile's total without the profiler's own
 * share of the samples.
 */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The columns of the table: each build, with the metrics off and/or on. */
const COLUMNS = mains.flatMap((main) => metricsModes.map((metrics) => ({ main, metrics })));

async function main() {
  if (spawnSync('wrk', ['--version']).error) throw new Error('the profiler needs wrk');
  const out = [];
  for (let round = 0; round < rounds; round++) {
    // The order flipped every round, so no column always runs first (or on a warmer machine).
    const columns = round % 2 === 0 ? COLUMNS : [...COLUMNS].reverse();
    for (const scenarioId of scenarioIds) {
      for (const { main, metrics } of columns) {
        process.stderr.write(
          `round ${round + 1}/${rounds}: profiling ${scenarioId} on ${main}, metrics ${metrics}\n`,
        );
        const run = await profileBuild(main, scenarioId, metrics);
        process.stderr.write(
          `  ${run.cpuUsPerRequest.toFixed(1)} µs CPU/request, ${Math.round(run.result.requestsPerSecond)} requests/s\n`,
        );
        out.push({ scenario: scenarioId, main, metrics, round: round + 1, ...run });
      }
    }
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(table(out));
}

/**
 * One Markdown table per scenario: stage → µs per request, a column per build (and metrics
 * setting); with several rounds, each cell is the median of the rounds.
 */
function table(out) {
  let md = '';
  const label = (c) =>
    `build ${mains.indexOf(c.main) + 1}${values.metrics === 'both' ? `, metrics ${c.metrics}` : ''}`;
  for (const scenarioId of scenarioIds) {
    const columns = COLUMNS.map((c) => ({
      ...c,
      runs: out.filter(
        (r) => r.scenario === scenarioId && r.main === c.main && r.metrics === c.metrics,
      ),
    }));
    const cell = (runs, value) => median(runs.map(value));
    const row = (name, value, digits = 1) =>
      `| ${name} | ${columns.map((c) => cell(c.runs, value).toFixed(digits)).join(' | ')} |\n`;
    md += `\n### ${scenarioId}${rounds > 1 ? ` (medians of ${rounds} rounds)` : ''}\n\n`;
    md += `| stage | ${columns.map((c) => `${label(c)} µs/req`).join(' | ')} |\n`;
    md += `|---|${columns.map(() => '---:').join('|')}|\n`;
    if (profiler) {
      for (const stage of [...STAGES.map((s) => s.name), 'other']) {
        const cells = columns.map((c) => cell(c.runs, (r) => r.stages[stage] ?? 0).toFixed(1));
        if (cells.every((c) => c === '0.0')) continue;
        md += `| ${stage} | ${cells.join(' | ')} |\n`;
      }
      md += `| **busy total** | ${columns.map((c) => `**${cell(c.runs, (r) => r.busyUsPerRequest).toFixed(1)}**`).join(' | ')} |\n`;
      md += row('idle (µs/req)', (r) => r.idleUsPerRequest);
    }
    md += row('CPU per request from /proc (user + system, all threads)', (r) => r.cpuUsPerRequest);
    if (rounds > 1) {
      md += `| … each round | ${columns.map((c) => c.runs.map((r) => r.cpuUsPerRequest.toFixed(1)).join(', ')).join(' | ')} |\n`;
    }
    md += row(
      `requests/s${profiler ? ' (under the profiler)' : ''}`,
      (r) => r.result.requestsPerSecond,
      0,
    );
    md += `\n${mains.map((m, i) => `build ${i + 1}: ${m}`).join('; ')}\n`;
    if (values.metrics === 'both') md += metricsCost(columns);
  }
  return md;
}

/** With the metrics off and on: on ÷ off of the medians, per build. */
function metricsCost(columns) {
  let md = '';
  for (const main of mains) {
    const of = (mode) => columns.find((c) => c.main === main && c.metrics === mode).runs;
    const cpu = (runs) => median(runs.map((r) => r.cpuUsPerRequest));
    const rps = (runs) => median(runs.map((r) => r.result.requestsPerSecond));
    const [off, on] = [of('off'), of('on')];
    md += `\nbuild ${mains.indexOf(main) + 1}, metrics on ÷ off: CPU per request ${(cpu(on) / cpu(off)).toFixed(3)}, requests/s ${(rps(on) / rps(off)).toFixed(3)}`;
    if (profiler) {
      const busy = (runs) => median(runs.map((r) => r.busyUsPerRequest));
      md += `, busy µs/req ${(busy(on) / busy(off)).toFixed(3)}`;
    }
    md += '\n';
  }
  return md;
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
