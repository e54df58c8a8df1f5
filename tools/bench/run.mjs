#!/usr/bin/env node
/**
 * Patina's benchmark (docs/benchmarks.md): a node:http hello world (the baseline H), Patina and
 * oidc-provider (the peer) on one CPU, the load generator on the other, scenarios S1–S8 in
 * alternating rounds, medians reported: on SQLite at 1,000 PATs, S1 and S2 with --workers 1 and
 * auto (lib/workers.mjs), the verification path (@patina/verify against jose alone,
 * lib/verification.mjs), the growth curve up to --pats, then S1 and S2 on PostgreSQL with one
 * node and with two. Writes <out>/<date>.json, .md, .svg (the scenarios) and -growth.svg (the
 * curve).
 *
 * Usage: node tools/bench/run.mjs [--seconds N] [--rounds N] [--pats N] [--skip-scale]
 *        [--skip-postgres] [--only IDS] [--smoke] [--out DIR]
 * (`node tools/bench/run.mjs --help` lists every option.) `npm run bench` builds first, then runs this.
 */
/* global fetch -- Node's built-in fetch (Node 18+) */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { readOptions } from './lib/args.mjs';
import { renderChart, renderGrowthChart } from './lib/chart.mjs';
import { dpopClient } from './lib/dpop.mjs';
import { startIssuer } from './lib/issuer.mjs';
import { pickGenerator, measure } from './lib/load.mjs';
import { checkFreshness, makeOneTimeLines, SMOKE_ONE_TIME_MARGIN } from './lib/one-time.mjs';
import { describeMachine } from './lib/machine.mjs';
import pg from 'pg';
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
import {
  baseScenarios,
  growthScenarios,
  patList,
  postgresScenarios,
  tokenExchange,
  twoNodeScenarios,
} from './lib/scenarios.mjs';
import { seedPats } from './lib/seed.mjs';
import { runVerificationPhase, VERIFICATION_ID } from './lib/verification.mjs';
import { runWorkersPhase, workerModes, workerScenarioIds } from './lib/workers.mjs';

const HELLO = fileURLToPath(new URL('./servers/hello.mjs', import.meta.url));
const PEER = fileURLToPath(new URL('./servers/oidc-peer.mjs', import.meta.url));

/** S6's workload: the service account its tokens name, and the audience they carry. */
const WORKLOAD = { subject: 'system:serviceaccount:bench:runner', audience: 'patina-bench' };
/** S6's tokens live 10 minutes, a projected service-account token's shortest. */
const WORKLOAD_TOKEN_SECONDS = 600;

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
  const cores = availableParallelism();
  const pinned = canPin(cores);
  const workerIds = workerModes(cores, pinned).modes.flatMap((m) => workerScenarioIds(m.name));
  if (!pinned) notes.push('taskset is missing or there are fewer than 2 CPUs: nothing was pinned.');
  if (options.smoke)
    notes.push(
      'Smoke run (npm test): one short round to prove the harness works; the numbers mean nothing.',
    );
  if (options.only)
    notes.push(
      `--only ${options.only.join(',')}: only these scenarios of the 1,000-PAT SQLite phase were measured; no growth curve, PostgreSQL or metrics comparison.`,
    );
  const loadAtStart = loadavg();
  const serverCpu = pinned ? 0 : undefined;
  const load = {
    generator,
    seconds: options.seconds,
    connections: options.connections,
    cpu: pinned ? 1 : undefined,
  };

  const workDir = mkdtempSync(join(tmpdir(), 'patina-bench-'));
  if (!options.keep) process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));
  log(
    `generator ${generator}, ${pinned ? 'servers on CPU 0, load on CPU 1' : 'unpinned'}, data in ${workDir}`,
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
  const issuer = await startIssuer();
  /** @param {number} count */
  const workloadBodies = (count) => {
    const started = performance.now();
    const tokens = issuer.signTokens({
      ...WORKLOAD,
      count,
      lifetimeSeconds: WORKLOAD_TOKEN_SECONDS,
    });
    log(
      `signed ${fmtInt(count)} workload tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return tokens.map((token) => issuer.exchangeBody(token));
  };

  const memory = [];
  const scenarios = [];
  const seeds = [];
  /**
   * One phase: seed up to `totalPats` through the repositories (Patina stopped), start the
   * nodes, measure `makeScenarios`' list in rounds, note RSS, stop.
   */
  const phase = async (fixture, totalPats, makeScenarios, label) => {
    const seed = await seedPats({
      dataDir: fixture.nodes[0].dataDir,
      databaseUrl: fixture.databaseUrl,
      totalPats,
      log,
    });
    seeds.push({ ...seed, database: fixture.database });
    log(
      `${label}: seeded ${fmtInt(seed.inserted)} PATs over ${fmtInt(seed.identities)} identities in ${seed.seconds.toFixed(1)} s: ${fmtInt(seed.total)} live in the database`,
    );
    const targets = await fixture.start();
    await sleep(1000);
    const pid = fixture.nodes[0].pid;
    const idleRssMb = rssMb(pid) ?? 0;
    const { results, underS1RssMb } = await runRounds(
      selected(makeScenarios(targets), [...workerIds, VERIFICATION_ID]),
      pid,
      load,
      workDir,
    );
    await sleep(1000);
    memory.push({
      database: fixture.database,
      pats: seed.total,
      idleRssMb,
      underS1RssMb,
      idleAfterRssMb: rssMb(pid) ?? 0,
    });
    for (const r of results) {
      scenarios.push({
        ...r,
        pats: r.system === 'patina' ? seed.total : null,
        database: fixture.database,
      });
    }
    await fixture.stop();
  };

  const federation = { issuer: issuer.url, jwksUri: issuer.jwksUri, ...WORKLOAD };
  const sqlite = await prepareFixture({
    dataDir: join(workDir, 'data'),
    cpu: serverCpu,
    federation,
  });
  const common = { helloUrl, peerUrl, peerClient, workloadBodies };
  await phase(sqlite, options.basePats, (t) => baseScenarios({ ...common, ...t }), 'SQLite');
  let metricsCost = [];
  // --only implies the three --skip-… (lib/args.mjs) and says so in a note of its own.
  if (!options.skipMetrics) {
    metricsCost = await metricsCostPhase(sqlite, common, load, workDir);
  } else if (!options.only)
    notes.push('--skip-metrics: the cost of the metrics listener was not measured.');
  let workers = null;
  if (!options.only || options.only.some((id) => workerIds.includes(id))) {
    const phase = await runWorkersPhase(sqlite, {
      common,
      load: { generator, seconds: options.seconds, connections: options.connections },
      workDir,
      rounds: options.rounds,
      // A smoke run's numbers mean nothing: no warm-up after each of its restarts.
      warmupSeconds: options.smoke ? 0 : options.warmupSeconds,
      cores,
      pinned,
      only: options.only,
      log,
    });
    for (const r of phase.scenarios) {
      scenarios.push({ ...r, pats: options.basePats, database: sqlite.database });
    }
    workers = phase.workers;
    if (cores < 4) {
      notes.push(
        `Workers: this machine has ${cores} cores and the load generator takes one, so --workers auto (${cores} workers) shares a core with the load generator: the figures show that the processes serve the port correctly and what they cost or gain on a shared core, not how Patina scales; the scaling target needs 4 cores or more.`,
      );
    }
  }
  let verification = null;
  if (!options.only || options.only.includes(VERIFICATION_ID)) {
    verification = await runVerificationPhase(sqlite, {
      // The server idles on CPU 0 (it only answers the verifier's polls); the verifier gets CPU 1.
      cpu: pinned ? 1 : undefined,
      seconds: options.seconds,
      rounds: options.rounds,
      warmupSeconds: options.smoke ? 0.2 : options.warmupSeconds,
      log,
    });
  }
  if (!options.skipScale) {
    for (const pats of options.growth) {
      await phase(
        sqlite,
        pats,
        (t) => growthScenarios({ ...common, ...t }, pats),
        `SQLite ${fmtInt(pats)}`,
      );
    }
  } else if (!options.only) notes.push('--skip-scale: the growth curve S5 was not measured.');

  if (!options.skipPostgres) {
    const database = await createBenchDatabase(options.databaseUrl);
    try {
      notes.push(
        'PostgreSQL phase: the local PostgreSQL server shares this machine (unpinned), so its CPU competes with the load generator and Patina; the two-node figures put both Patina processes on CPU 0.',
      );
      const pg = await prepareFixture({
        dataDir: join(workDir, 'pg-node-1'),
        cpu: serverCpu,
        databaseUrl: database.url,
        federation,
      });
      await phase(
        pg,
        options.basePats,
        (t) => postgresScenarios({ ...common, ...t }),
        'PostgreSQL',
      );
      pg.addNode(join(workDir, 'pg-node-2'));
      await phase(
        pg,
        options.basePats,
        (t) =>
          twoNodeScenarios(
            { ...common, ...t },
            pg.nodes.map((n) => n.baseUrl),
          ),
        'PostgreSQL, 2 nodes',
      );
    } finally {
      await database.drop();
    }
  } else if (!options.only)
    notes.push('--skip-postgres: S1 and S2 on PostgreSQL were not measured.');

  const jwksFetches = issuer.jwksFetches();
  if (scenarios.some((s) => s.id === 'S6')) {
    notes.push(
      `S6: Patina fetched the issuer's key set ${jwksFetches} time(s) in the whole run, and took every other key from its cache.`,
    );
  }
  const results = {
    date: startedAt.toISOString(),
    mode: options.smoke ? 'smoke' : 'full',
    settings: {
      seconds: options.seconds,
      rounds: options.rounds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      basePats: options.basePats,
      growth: options.skipScale ? [] : options.growth,
      postgres: !options.skipPostgres,
      only: options.only ?? null,
    },
    machine: {
      ...describeMachine(join(workDir, 'data')),
      generator,
      pinned,
      loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
    },
    federation: { jwksFetches },
    scenarios,
    workers,
    verification,
    metricsCost,
    memory,
    seeding: seeds,
    notes,
    durationSeconds: (performance.now() - t0) / 1000,
  };
  writeResults({ ...results, targets: evaluateTargets(results) });
}

/**
 * The scenarios --only names, in the list's order (all of them without --only); an id neither
 * the list nor `others` (the workers and verification phases' ids) has fails the run before
 * anything is measured.
 *
 * @param {import('./lib/scenarios.mjs').Scenario[]} list
 * @param {string[]} others
 */
function selected(list, others) {
  if (!options.only) return list;
  const missing = options.only.filter(
    (id) => !list.some((s) => s.id === id) && !others.includes(id),
  );
  if (missing.length > 0) {
    throw new Error(
      `--only: no scenario ${missing.join(', ')} (there are ${[...list.map((s) => s.id), ...others].join(', ')})`,
    );
  }
  return list.filter((s) => options.only?.includes(s.id));
}

/**
 * The Patina side of a phase: the nodes (one, or two on one PostgreSQL database), and the
 * callers the scenarios use, made once through the API on the first start: the administrator
 * with 2 PATs (S1, S2), a user with 10 (S2-10), a user of its own for S3, so the PATs S3
 * creates never show up in a list that is measured, and S6's trust policy for `federation`.
 *
 * @param {{ dataDir: string, cpu?: number, databaseUrl?: string, federation: Parameters<Patina['createTrustPolicy']>[1] }} options
 */
async function prepareFixture(options) {
  const env = options.databaseUrl
    ? {
        PATINA_DATABASE_URL: options.databaseUrl,
        PATINA_MASTER_KEY: randomBytes(32).toString('base64'),
        // Every node names the same issuer (a deployment puts its load balancer's URL here).
        PATINA_PUBLIC_BASE_URL: 'http://patina.bench.invalid',
      }
    : {};
  let config = {};
  // S7's client key: its token is bound to it, and every request carries a proof signed by it.
  const dpop = dpopClient();
  const node = (dataDir) => {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    return new Patina({ dataDir, cpu: options.cpu, env, config });
  };
  const nodes = [node(options.dataDir)];
  await nodes[0].start();
  const admin = nodes[0].credentials();
  const boot = await nodes[0].accessToken(admin);
  await nodes[0].api(boot, 'POST', '/v3/personal-access-tokens', { name: 'bench list row' });
  const ten = await nodes[0].createUserWithPat(boot);
  const tenBoot = await nodes[0].accessToken(ten);
  for (let i = 2; i <= 10; i++) {
    await nodes[0].api(tenBoot, 'POST', '/v3/personal-access-tokens', { name: `bench row ${i}` });
  }
  const s3Caller = await nodes[0].createUserWithPat(boot);
  await nodes[0].createTrustPolicy(boot, options.federation);
  await nodes[0].stop();
  return {
    nodes,
    database: options.databaseUrl ? 'postgres' : 'sqlite',
    databaseUrl: options.databaseUrl,
    /**
     * How the next start is launched: pinned to `cpu` (a CPU or a taskset list; undefined: not
     * pinned) with more `serve` flags; `{}` goes back to the fixture's own CPU and no flags.
     *
     * @param {{ cpu?: number | string, serveArgs?: string[] }} launch
     */
    launch(launch) {
      const cpu = 'cpu' in launch ? launch.cpu : options.cpu;
      for (const n of nodes) {
        n.cpu = cpu;
        n.serveArgs = launch.serveArgs ?? [];
      }
    },
    /** Settings on top of the bench's for the next start (`{}`: the bench's own). */
    configure(extra) {
      config = extra;
      for (const n of nodes) n.configure(extra);
    },
    /** Another Patina process on the same database, with a data directory of its own. */
    addNode(dataDir) {
      nodes.push(node(dataDir));
    },
    async start() {
      for (const n of nodes) await n.start();
      // DPoP proofs name the URL the client addressed (htu), Patina's public base URL.
      const publicUrl = env.PATINA_PUBLIC_BASE_URL ?? nodes[0].baseUrl;
      const dpopToken = await nodes[0].accessToken(admin, {
        dpopProof: dpop.proof({ htm: 'POST', htu: `${publicUrl}/oauth/token` }),
      });
      return {
        patinaUrl: nodes[0].baseUrl,
        admin,
        adminToken: await nodes[0].accessToken(admin),
        tenToken: await nodes[0].accessToken(ten),
        s3Token: await nodes[0].accessToken(s3Caller),
        dpopToken,
        dpopProofs: (htm, path, count) =>
          dpop.proofs({ htm, htu: `${publicUrl}${path}`, accessToken: dpopToken, count }),
      };
    },
    async stop() {
      for (const n of nodes) await n.stop();
    },
  };
}

/**
 * What the Prometheus metrics cost: S1 and S2 on the SQLite fixture, with the metrics listener
 * off and on, in alternating rounds (a restart for each, the order flipped every round so neither
 * always runs first). Each round scrapes /metrics once with metrics on, so a listener that does
 * not answer fails the run rather than measuring nothing. Reports the medians and on ÷ off.
 */
async function metricsCostPhase(fixture, common, load, workDir) {
  const measured = { off: new Map(), on: new Map() };
  for (let round = 0; round < options.rounds; round++) {
    for (const mode of round % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
      const metricsPort = mode === 'on' ? await freePort() : undefined;
      fixture.configure(metricsPort ? { metrics: { port: metricsPort } } : {});
      const targets = await fixture.start();
      const list = [tokenExchange({ ...common, ...targets }), patList({ ...common, ...targets })];
      for (const scenario of list) {
        await measure(scenario.spec, { ...load, seconds: options.warmupSeconds, workDir });
        const result = await measure(scenario.spec, { ...load, workDir });
        const rounds = measured[mode].get(scenario.id) ?? [];
        measured[mode].set(scenario.id, [...rounds, result]);
        log(
          `metrics ${mode}, round ${round + 1}/${options.rounds} ${scenario.id}: ${fmtInt(result.requestsPerSecond)} req/s`,
        );
      }
      if (metricsPort) {
        const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
        const text = await scrape.text();
        if (!scrape.ok || !text.includes('patina_token_exchanges_total')) {
          throw new Error(
            `the metrics listener answered ${scrape.status} without Patina's metrics`,
          );
        }
      }
      await fixture.stop();
    }
  }
  fixture.configure({});
  return ['S1', 'S2'].map((id) => {
    const off = medianOf(measured.off.get(id) ?? []);
    const on = medianOf(measured.on.get(id) ?? []);
    return { id, off, on, ratio: on.requestsPerSecond / off.requestsPerSecond };
  });
}

/**
 * A throwaway database on the PostgreSQL server at `serverUrl`, dropped at the end.
 *
 * @param {string} serverUrl
 */
async function createBenchDatabase(serverUrl) {
  const name = `patina_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL at ${serverUrl} is not reachable (${err.message}); start it or pass --skip-postgres`,
    );
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
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
  /** The fastest requests/s each scenario has shown in this phase, warm-ups included. */
  const fastest = new Map();
  const run = (scenario, seconds) =>
    measureScenario(scenario, { ...load, seconds, workDir }, fastest);
  // Before anything is measured: S7's proofs would go stale in a measurement that is too long.
  checkFreshness(list, options.seconds);
  for (const scenario of list) await scenario.check?.();
  for (const scenario of list) {
    log(`warm-up ${scenario.id}`);
    await run(scenario, options.warmupSeconds);
  }
  const rounds = new Map(list.map((s) => [s.id, []]));
  let underS1RssMb = 0;
  for (let round = 0; round < options.rounds; round++) {
    const order = list.map((_, i) => list[(i + round) % list.length]);
    for (const scenario of order) {
      const sampling =
        scenario.system === 'patina' &&
        scenario.id.split('-').includes('S1') &&
        patinaPid !== undefined
          ? sampleRss(patinaPid)
          : undefined;
      const result = await run(scenario, options.seconds);
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

/**
 * One measurement of a scenario. A one-time scenario (S6, S7) first gets a file of fresh lines
 * (lib/one-time.mjs); measure() fails the run if they run out. `fastest` learns the result.
 *
 * @param {import('./lib/scenarios.mjs').Scenario} scenario
 * @param {Parameters<typeof measure>[1]} load
 * @param {Map<string, number>} fastest
 */
async function measureScenario(scenario, load, fastest) {
  let spec = scenario.spec;
  let once;
  if (scenario.oneTime) {
    once = makeOneTimeLines(
      { ...scenario, oneTime: scenario.oneTime },
      {
        seconds: load.seconds,
        workDir: load.workDir,
        fastest,
        ...(options.smoke && { margin: SMOKE_ONE_TIME_MARGIN }),
      },
    );
    log(
      `${scenario.id}: made ${fmtInt(once.count)} one-time lines in ${once.makingSeconds.toFixed(1)} s`,
    );
    spec = { ...spec, lines: once.file };
  }
  try {
    const result = await measure(spec, load);
    fastest.set(scenario.id, Math.max(fastest.get(scenario.id) ?? 0, result.requestsPerSecond));
    return result;
  } finally {
    once?.remove();
  }
}

/** Writes <date>.json, <date>.md and <date>.svg to --out and prints the Markdown. */
function writeResults(document) {
  const out = resolve(ROOT, options.out);
  mkdirSync(out, { recursive: true });
  const stamp = document.date.slice(0, 10);
  const base = join(out, stamp);
  writeFileSync(`${base}.json`, JSON.stringify(document, null, 2) + '\n');
  writeFileSync(`${base}.md`, toMarkdown(document));
  writeFileSync(
    `${base}.svg`,
    renderChart(document, {
      title: `Patina benchmark ${stamp}: median requests/s (${document.machine.generator}, 1 server core)`,
    }),
  );
  writeFileSync(
    `${base}-growth.svg`,
    renderGrowthChart(document, {
      title: `Patina benchmark ${stamp}: the growth curve (SQLite, 1 server core)`,
    }),
  );
  process.stdout.write(toMarkdown(document));
  log(`wrote ${base}.json, .md, .svg and -growth.svg`);
}

// The exit handlers in lib/processes.mjs stop every server this run started.
main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
