/**
 * From measurements to the result document: medians per scenario, the ratios set as targets
 * (docs/benchmarks.md, "Against the targets"), and the Markdown rendering of all of it.
 */

/** @param {number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * @param {import('./load.mjs').LoadResult[]} rounds
 * @returns {{ requestsPerSecond: number, p50Ms: number, p99Ms: number }}
 */
export function medianOf(rounds) {
  return {
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
  };
}

/** S3 as issue 10 measured it before the hot-path work (772 requests/s): the target is 3×. */
export const S3_BEFORE = 772;
/** The latency bound of S1 and S2, at the run's connections (50 by default). */
const P99_MAX_MS = 25;
/** The workers target needs this many cores: C − 1 workers of ≥ 3 beside the load generator. */
export const WORKERS_MIN_CORES = 4;

/**
 * The workers target: S1 with C − 1 workers ≥ 0.7 × (C − 1) × S1 with one, on a machine of
 * C ≥ 4 cores (the load generator takes the last). On fewer it is not evaluable, never met:
 * `value` is null and `notEvaluable` says why.
 *
 * @param {number} cores
 * @param {(id: string) => number | undefined} rps
 */
export function workersTarget(cores, rps) {
  const target = 'S1 with C − 1 workers ≥ 0.7 × (C − 1) × S1 with 1 worker';
  const unit = '× (C − 1) × S1-w1';
  if (cores < WORKERS_MIN_CORES) {
    return { target, value: null, min: 0.7, unit, notEvaluable: `not evaluable on ${cores} cores` };
  }
  const one = rps('S1-w1');
  const many = rps(`S1-w${cores - 1}`);
  return {
    target,
    value: one === undefined || many === undefined ? null : many / ((cores - 1) * one),
    min: 0.7,
    unit,
  };
}

/**
 * The targets (docs/benchmarks.md, "Against the targets"; issue 10's table), each a measured
 * value against a threshold. `value` is null when a scenario it needs was not run.
 *
 * @param {{ settings: { connections: number }, machine?: { nproc: number }, scenarios: { id: string, median: { requestsPerSecond: number, p99Ms: number } }[], memory: { database?: string, pats: number, idleRssMb: number, underS1RssMb: number, idleAfterRssMb: number }[], verification?: { ratio: number, verify: { p99Ms: number } } | null }} results
 */
export function evaluateTargets(results) {
  const find = (id) => results.scenarios.find((s) => s.id === id)?.median;
  const rps = (id) => find(id)?.requestsPerSecond;
  const ratio = (a, b) => (a === undefined || b === undefined ? null : a / b);
  const wrong = rps('S4-wrong-secret');
  const unknown = rps('S4-unknown-id');
  const sqliteMemory = results.memory.filter((m) => (m.database ?? 'sqlite') === 'sqlite');
  const largest = sqliteMemory.reduce(
    (a, m) => (a === undefined || m.pats > a.pats ? m : a),
    undefined,
  );
  const scaled = largest && largest.pats > sqliteMemory[0].pats ? largest : undefined;
  const peakMb = scaled
    ? Math.max(scaled.idleRssMb, scaled.underS1RssMb, scaled.idleAfterRssMb)
    : null;
  const atScale = (prefix) =>
    scaled
      ? (results.scenarios.find((s) => s.id.startsWith(prefix) && s.id.endsWith(`-${scaled.pats}`))
          ?.median.requestsPerSecond ??
        results.scenarios.filter((s) => s.id.startsWith(prefix)).at(-1)?.median.requestsPerSecond)
      : undefined;
  const largestLabel = scaled ? fmtInt(scaled.pats) : 'the most';
  const conn = results.settings.connections;
  const targets = [
    { target: 'S1 ≥ 0.10 × H', value: ratio(rps('S1'), rps('H')), min: 0.1, unit: '× H' },
    {
      target: 'S1 ≥ 2 × oidc-provider',
      value: ratio(rps('S1'), rps('S1-peer')),
      min: 2,
      unit: '× peer',
    },
    { target: 'S2, 2 PATs, ≥ 0.25 × H', value: ratio(rps('S2'), rps('H')), min: 0.25, unit: '× H' },
    {
      target: 'S2, 10 PATs, ≥ 0.15 × H',
      value: ratio(rps('S2-10'), rps('H')),
      min: 0.15,
      unit: '× H',
    },
    {
      target: 'S4 (the slower of wrong secret and unknown id) ≥ 0.8 × S1',
      value:
        wrong === undefined || unknown === undefined
          ? null
          : ratio(Math.min(wrong, unknown), rps('S1')),
      min: 0.8,
      unit: '× S1',
    },
    {
      target: 'S4 wrong secret and unknown id within 5% of each other',
      value:
        wrong === undefined || unknown === undefined
          ? null
          : Math.abs(wrong - unknown) / Math.max(wrong, unknown),
      max: 0.05,
      unit: 'apart',
    },
    {
      target: 'S6 (federated exchange) ≥ 0.7 × S1',
      value: ratio(rps('S6'), rps('S1')),
      min: 0.7,
      unit: '× S1',
    },
    {
      target: 'S7 (DPoP-bound list) ≥ 0.7 × S2',
      value: ratio(rps('S7'), rps('S2')),
      min: 0.7,
      unit: '× S2',
    },
    {
      target: `S3 ≥ 3 × ${S3_BEFORE} requests/s`,
      value: ratio(rps('S3'), S3_BEFORE),
      min: 3,
      unit: `× ${S3_BEFORE}/s`,
    },
    {
      target: 'S1 on PostgreSQL ≥ 0.5 × on SQLite',
      value: ratio(rps('S1-pg'), rps('S1')),
      min: 0.5,
      unit: '× SQLite',
    },
    {
      target: 'S2 on PostgreSQL ≥ 0.5 × on SQLite',
      value: ratio(rps('S2-pg'), rps('S2')),
      min: 0.5,
      unit: '× SQLite',
    },
    {
      target: `S1 with ${largestLabel} PATs within 15% of S1 with ${fmtInt(sqliteMemory[0]?.pats ?? 0)}`,
      value: ratio(atScale('S5-S1-'), rps('S1')),
      min: 0.85,
      unit: '× S1',
    },
    {
      target: `S2 with ${largestLabel} PATs within 15% of S2 with ${fmtInt(sqliteMemory[0]?.pats ?? 0)}`,
      value: ratio(atScale('S5-S2-'), rps('S2')),
      min: 0.85,
      unit: '× S2',
    },
    {
      target: `RSS under 250 MB with ${largestLabel} PATs (idle and under S1)`,
      value: peakMb,
      max: 250,
      unit: 'MB',
    },
    {
      target: `p99 of S1 ≤ ${P99_MAX_MS} ms at ${conn} connections`,
      value: find('S1')?.p99Ms ?? null,
      max: P99_MAX_MS,
      unit: 'ms',
    },
    {
      target: `p99 of S2 ≤ ${P99_MAX_MS} ms at ${conn} connections`,
      value: find('S2')?.p99Ms ?? null,
      max: P99_MAX_MS,
      unit: 'ms',
    },
    {
      target: 'S8 (introspection) ≥ 0.8 × S2',
      value: ratio(rps('S8'), rps('S2')),
      min: 0.8,
      unit: '× S2',
    },
    workersTarget(results.machine?.nproc ?? 1, rps),
    {
      target: '@patina/verify ≥ 0.9 × jose jwtVerify alone (verifications/s)',
      value: results.verification?.ratio ?? null,
      min: 0.9,
      unit: '× jose',
    },
    {
      target: 'p99 of @patina/verify < 1 ms',
      value: results.verification?.verify.p99Ms ?? null,
      below: 1,
      unit: 'ms',
    },
  ];
  return targets.map((t) => ({ ...t, met: isMet(t) }));
}

/**
 * Whether a target is met: null when it has no value (not run, or not evaluable here).
 *
 * @param {{ value: number | null | undefined, min?: number, max?: number, below?: number }} t
 */
export function isMet(t) {
  if (t.value === null || t.value === undefined) return null;
  return (
    (t.min === undefined || t.value >= t.min) &&
    (t.max === undefined || t.value <= t.max) &&
    (t.below === undefined || t.value < t.below)
  );
}

/** @param {number} n */
export function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US');
}

/** @param {number} ms */
function fmtMs(ms) {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** @param {{ value: number | null, unit: string, notEvaluable?: string }} t */
function fmtValue(t) {
  if (t.notEvaluable !== undefined) return t.notEvaluable;
  if (t.value === null || t.value === undefined) return 'not run';
  if (t.unit === 'MB') return `${t.value.toFixed(0)} MB`;
  if (t.unit === 'ms') return `${t.value < 1 ? t.value.toFixed(3) : fmtMs(t.value)} ms`;
  if (t.unit === 'apart') return `${(t.value * 100).toFixed(1)}% apart`;
  return `${t.value.toFixed(t.value < 1 ? 3 : 2)} ${t.unit}`;
}

/**
 * The result document as Markdown: settings, the scenario table, memory, targets, notes.
 *
 * @param {any} results
 */
export function toMarkdown(results) {
  const m = results.machine;
  const s = results.settings;
  const lines = [
    `# Patina benchmark ${results.date.slice(0, 10)}${results.mode === 'smoke' ? ' (smoke run: numbers mean nothing)' : ''}`,
    '',
    `Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGb} GB RAM, Node ${m.node}, ${m.os}. ` +
      `Load generator: ${m.generator}${m.pinned ? ', servers pinned to CPU 0 and the generator to CPU 1 with taskset' : ', not pinned'}.`,
    '',
    `Settings: ${s.seconds} s per measurement after ${s.warmupSeconds} s warm-up per scenario, ${s.rounds} alternating round(s), ` +
      `${s.connections} connections, medians over rounds. Total run time ${results.durationSeconds.toFixed(0)} s.`,
    '',
    ...(m.loadAverage
      ? [
          `Load average (1, 5, 15 min) at the start ${m.loadAverage.atStart.map((v) => v.toFixed(2)).join(', ')}, at the end ${m.loadAverage.atEnd.map((v) => v.toFixed(2)).join(', ')}.`,
          '',
        ]
      : []),
    '| scenario | database | PATs in DB | requests/s | p50 ms | p99 ms | requests/s per round |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const sc of results.scenarios) {
    const perRound = sc.rounds.map((r) => fmtInt(r.requestsPerSecond)).join(', ');
    const pats = sc.pats === null ? '—' : fmtInt(sc.pats);
    lines.push(
      `| ${sc.label} | ${sc.system === 'patina' ? (sc.database ?? 'sqlite') : '—'} | ${pats} | ${fmtInt(sc.median.requestsPerSecond)} | ${fmtMs(sc.median.p50Ms)} | ${fmtMs(sc.median.p99Ms)} | ${perRound} |`,
    );
  }
  if (results.metricsCost?.length) {
    lines.push(
      '',
      '| metrics listener (SQLite) | requests/s off | requests/s on | on ÷ off |',
      '| --- | ---: | ---: | ---: |',
    );
    for (const cost of results.metricsCost) {
      lines.push(
        `| ${cost.id} | ${fmtInt(cost.off.requestsPerSecond)} | ${fmtInt(cost.on.requestsPerSecond)} | ${cost.ratio.toFixed(3)} |`,
      );
    }
  }
  if (results.workers?.modes?.length) lines.push('', ...workersMarkdown(results));
  if (results.verification) lines.push('', ...verificationMarkdown(results.verification));
  lines.push(
    '',
    '| Patina memory (VmRSS, first node) | idle after start | under S1 (peak) | idle after the phase |',
    '| --- | ---: | ---: | ---: |',
  );
  for (const mem of results.memory) {
    const mb = (v) => `${v.toFixed(0)} MB`;
    lines.push(
      `| ${fmtInt(mem.pats)} PATs, ${mem.database ?? 'sqlite'} | ${mb(mem.idleRssMb)} | ${mb(mem.underS1RssMb)} | ${mb(mem.idleAfterRssMb)} |`,
    );
  }
  if (results.seeding?.length) {
    lines.push(
      '',
      '| seeding (through the repositories, Patina stopped) | PATs added | identities added | seconds | PATs/s |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const seed of results.seeding) {
      if (seed.inserted === 0) continue;
      lines.push(
        `| up to ${fmtInt(seed.total)} live PATs, ${seed.database} | ${fmtInt(seed.inserted)} | ${fmtInt(seed.identities)} | ${seed.seconds.toFixed(1)} | ${fmtInt(seed.inserted / seed.seconds)} |`,
      );
    }
  }
  lines.push('', '| target | measured | met |', '| --- | ---: | :---: |');
  for (const t of results.targets) {
    lines.push(`| ${t.target} | ${fmtValue(t)} | ${t.met === null ? '—' : t.met ? 'yes' : 'no'} |`);
  }
  if (results.notes.length) {
    lines.push('', 'Notes:', '', ...results.notes.map((n) => `- ${n}`));
  }
  return lines.join('\n') + '\n';
}

/** @param {number | null | undefined} share */
function fmtPercent(share) {
  return share === null || share === undefined ? '—' : `${(share * 100).toFixed(0)}%`;
}

/**
 * The workers phase: per mode, the processes Patina ran, how it was pinned, S1 and S2 with the
 * cores Patina's processes used and the load generator's share of the machine, and the scaling.
 *
 * @param {any} results
 */
function workersMarkdown(results) {
  const w = results.workers;
  const byId = new Map(results.scenarios.map((sc) => [sc.id, sc]));
  const lines = [
    `Workers (${w.cores} cores, os.availableParallelism()): S1 and S2 with Patina started with \`serve --workers <n>\`, a restart per mode and round.`,
    '',
    '| --workers | processes seen | pinning | S1 requests/s | S1 × w1 | S2 requests/s | S2 × w1 | Patina cores used (S1, S2) | load generator share of the machine (S1, S2) |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const m of w.modes) {
    const s1 = byId.get(`S1-w${m.name}`);
    const s2 = byId.get(`S2-w${m.name}`);
    const cores = (sc) => (sc?.serverCores == null ? '—' : sc.serverCores.toFixed(2));
    const scale = (sc, v) => (!sc ? '—' : m.name === '1' ? '1' : v == null ? '—' : v.toFixed(2));
    lines.push(
      `| ${m.workers === 'auto' ? `auto (${m.workerCount})` : m.workers} | ${[...new Set(m.processesSeen)].join(', ')} | ${m.pinning} | ${s1 ? fmtInt(s1.median.requestsPerSecond) : '—'} | ${scale(s1, m.scalingS1)} | ${s2 ? fmtInt(s2.median.requestsPerSecond) : '—'} | ${scale(s2, m.scalingS2)} | ${cores(s1)}, ${cores(s2)} | ${fmtPercent(s1?.generatorShare)}, ${fmtPercent(s2?.generatorShare)} |`,
    );
  }
  return lines;
}

/** @param {any} v results.verification */
function verificationMarkdown(v) {
  const per = (list) => list.map((r) => fmtInt(r.verificationsPerSecond)).join(', ');
  return [
    '| verification of one ES256 access token, in process | verifications/s | p50 ms | p99 ms | per round |',
    '| --- | ---: | ---: | ---: | --- |',
    `| @patina/verify (JWKS cached, event stream polled) | ${fmtInt(v.verify.verificationsPerSecond)} | ${v.verify.p50Ms.toFixed(3)} | ${v.verify.p99Ms.toFixed(3)} | ${per(v.verify.rounds)} |`,
    `| jose jwtVerify alone (local JWK set) | ${fmtInt(v.jose.verificationsPerSecond)} | ${v.jose.p50Ms.toFixed(3)} | ${v.jose.p99Ms.toFixed(3)} | ${per(v.jose.rounds)} |`,
    '',
    `verify ÷ jose: ${v.ratio.toFixed(3)} (per round ${v.ratioPerRound.map((r) => r.toFixed(3)).join(', ')}); the verifier's stream was ${v.freshAtEnd ? 'fresh' : 'STALE'} at the end.`,
  ];
}
