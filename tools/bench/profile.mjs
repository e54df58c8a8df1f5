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
 *        [--scenario S1|S2|S2-10|S4]... [--json FILE] [--keep-profiles DIR] [--log-level L]
 * Several --main options profile several builds in one run (before and after a change), each on a
 * fresh data directory, and print one table with a column per build.
 */
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
import { measure } from './lib/load.mjs';
import { MAIN, Patina } from './lib/patina.mjs';
import { sleep } from './lib/processes.mjs';
import { createDelete, patList, tokenExchange } from './lib/scenarios.mjs';
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
  },
});
const seconds = Number(values.seconds);
const mains = (values.main ?? [MAIN]).map((m) => resolve(m));
const scenarioIds = values.scenario ?? ['S1', 'S2', 'S2-10', 'S4'];

/**
 * The scenario specs: S1 and S4 as in the benchmark, S2 with the owner's 2 PATs (the bootstrap
 * PAT and one more) and S2-10 with another owner's 10.
 */
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

async function profileBuild(main, scenarioId) {
  const workDir = mkdtempSync(join(tmpdir(), 'patina-profile-'));
  const dataDir = join(workDir, 'data');
  const profDir = join(workDir, 'prof');
  mkdirSync(dataDir, { mode: 0o700 });
  try {
    const patina = new Patina({
      dataDir,
      cpu: 0,
      main,
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '500'],
      env: { PATINA_LOG_LEVEL: values['log-level'] },
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
    const t = {
      patinaUrl: patina.baseUrl,
      admin,
      adminToken: await patina.accessToken(admin),
      tenToken: await patina.accessToken(ten),
    };
    const spec = specFor(scenarioId, t);
    const load = { generator: 'wrk', connections: Number(values.connections), cpu: 1, workDir };
    await measure(spec, { ...load, seconds: 3 });
    await sleep(500);
    const from = process.hrtime.bigint() / 1000n;
    const cpuBefore = cpuSeconds(patina.pid);
    const result = await measure(spec, { ...load, seconds });
    const cpuAfter = cpuSeconds(patina.pid);
    const to = process.hrtime.bigint() / 1000n;
    await patina.stop();
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
    const requests = result.expected + result.unexpected;
    const cpuUsPerRequest = ((cpuAfter - cpuBefore) * 1e6) / requests;
    return {
      ...budget(profile, { from: Number(from), to: Number(to), requests }),
      cpuUsPerRequest,
      result,
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
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

async function main() {
  if (spawnSync('wrk', ['--version']).error) throw new Error('the profiler needs wrk');
  const out = [];
  for (const scenarioId of scenarioIds) {
    for (const main of mains) {
      process.stderr.write(`profiling ${scenarioId} on ${main}\n`);
      out.push({ scenario: scenarioId, main, ...(await profileBuild(main, scenarioId)) });
    }
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(table(out));
}

/** One Markdown table per scenario: stage → µs per request, a column per build. */
function table(out) {
  let md = '';
  for (const scenarioId of scenarioIds) {
    const runs = out.filter((r) => r.scenario === scenarioId);
    md += `\n### ${scenarioId}\n\n| stage | ${runs.map((_, i) => `build ${i + 1} µs/req`).join(' | ')} |\n`;
    md += `|---|${runs.map(() => '---:').join('|')}|\n`;
    for (const stage of [...STAGES.map((s) => s.name), 'other']) {
      const cells = runs.map((r) => (r.stages[stage] ?? 0).toFixed(1));
      if (cells.every((c) => c === '0.0')) continue;
      md += `| ${stage} | ${cells.join(' | ')} |\n`;
    }
    md += `| **busy total** | ${runs.map((r) => `**${r.busyUsPerRequest.toFixed(1)}**`).join(' | ')} |\n`;
    md += `| idle (µs/req) | ${runs.map((r) => r.idleUsPerRequest.toFixed(1)).join(' | ')} |\n`;
    md += `| CPU per request from /proc (user + system, all threads) | ${runs.map((r) => r.cpuUsPerRequest.toFixed(1)).join(' | ')} |\n`;
    md += `| requests/s (under the profiler) | ${runs.map((r) => Math.round(r.result.requestsPerSecond)).join(' | ')} |\n`;
    md += `\n${runs.map((r, i) => `build ${i + 1}: ${r.main}`).join('; ')}\n`;
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
