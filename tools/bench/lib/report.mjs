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

/**
 * The targets (docs/benchmarks.md, "Against the targets"; issue 10's table), each a measured
 * value against a threshold. `value` is null when a scenario it needs was not run.
 *
 * @param {{ settings: { connections: number }, scenarios: { id: string, median: { requestsPerSecond: number, p99Ms: number } }[], memory: { database?: string, pats: number, idleRssMb: number, underS1RssMb: number, idleAfterRssMb: number }[] }} results
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
  ];
  return targets.map((t) => ({
    ...t,
    met:
      t.value === null || t.value === undefined
        ? null
        : (t.min === undefined || t.value >= t.min) && (t.max === undefined || t.value <= t.max),
  }));
}

/** @param {number} n */
export function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US');
}

/** @param {number} ms */
function fmtMs(ms) {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** @param {{ value: number | null, unit: string }} t */
function fmtValue(t) {
  if (t.value === null || t.value === undefined) return 'not run';
  if (t.unit === 'MB') return `${t.value.toFixed(0)} MB`;
  if (t.unit === 'ms') return `${fmtMs(t.value)} ms`;
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
