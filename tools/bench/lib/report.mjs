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

/**
 * The targets (docs/benchmarks.md), each as a measured value against a threshold. `value` is null
 * when a scenario it needs was not run (--skip-scale).
 *
 * @param {{ scenarios: { id: string, median: { requestsPerSecond: number } }[], memory: { pats: number, idleRssMb: number, underS1RssMb: number, idleAfterRssMb: number }[] }} results
 * @param {number} scalePats
 */
export function evaluateTargets(results, scalePats) {
  const rps = (id) => results.scenarios.find((s) => s.id === id)?.median.requestsPerSecond;
  const ratio = (a, b) => (a === undefined || b === undefined ? null : a / b);
  const wrong = rps('S4-wrong-secret');
  const unknown = rps('S4-unknown-id');
  const scaleMemory = results.memory.find((m) => m.pats >= scalePats && scalePats > 1_000);
  const peakMb = scaleMemory
    ? Math.max(scaleMemory.idleRssMb, scaleMemory.underS1RssMb, scaleMemory.idleAfterRssMb)
    : null;
  const targets = [
    { target: 'S1 ≥ 0.10 × H', value: ratio(rps('S1'), rps('H')), min: 0.1, unit: '× H' },
    {
      target: 'S1 ≥ 3 × peer token endpoint',
      value: ratio(rps('S1'), rps('S1-peer')),
      min: 3,
      unit: '× peer',
    },
    { target: 'S2 ≥ 0.40 × H', value: ratio(rps('S2'), rps('H')), min: 0.4, unit: '× H' },
    {
      target: 'S4 wrong secret and unknown id within 10% of each other',
      value:
        wrong === undefined || unknown === undefined
          ? null
          : Math.abs(wrong - unknown) / Math.max(wrong, unknown),
      max: 0.1,
      unit: 'apart',
    },
    {
      target: 'S4 neither slower than S1 (slower S4 ÷ S1 ≥ 1)',
      value:
        wrong === undefined || unknown === undefined
          ? null
          : ratio(Math.min(wrong, unknown), rps('S1')),
      min: 1,
      unit: '× S1',
    },
    {
      target: `S5 S1 with ${fmtInt(scalePats)} PATs within 20% of S1`,
      value: ratio(rps('S5-S1'), rps('S1')),
      min: 0.8,
      unit: '× S1',
    },
    {
      target: `S5 S2 with ${fmtInt(scalePats)} PATs within 20% of S2`,
      value: ratio(rps('S5-S2'), rps('S2')),
      min: 0.8,
      unit: '× S2',
    },
    {
      target: `RSS under 200 MB with ${fmtInt(scalePats)} PATs (idle and under S1)`,
      value: peakMb,
      max: 200,
      unit: 'MB',
    },
  ];
  return targets.map((t) => ({
    ...t,
    met:
      t.value === null
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
  if (t.value === null) return 'not run';
  if (t.unit === 'MB') return `${t.value.toFixed(0)} MB`;
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
    `Settings: ${s.seconds} s per measurement after ${s.warmupSeconds} s warm-up per server, ${s.rounds} alternating round(s), ` +
      `${s.connections} connections, medians over rounds. Total run time ${results.durationSeconds.toFixed(0)} s.`,
    '',
    '| scenario | PATs in DB | requests/s | p50 ms | p99 ms | requests/s per round |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const sc of results.scenarios) {
    const perRound = sc.rounds.map((r) => fmtInt(r.requestsPerSecond)).join(', ');
    const pats = sc.pats === null ? '—' : fmtInt(sc.pats);
    lines.push(
      `| ${sc.label} | ${pats} | ${fmtInt(sc.median.requestsPerSecond)} | ${fmtMs(sc.median.p50Ms)} | ${fmtMs(sc.median.p99Ms)} | ${perRound} |`,
    );
  }
  lines.push(
    '',
    '| Patina memory (VmRSS) | idle after start | under S1 (peak) | idle after the phase |',
    '| --- | ---: | ---: | ---: |',
  );
  for (const mem of results.memory) {
    const mb = (v) => `${v.toFixed(0)} MB`;
    lines.push(
      `| ${fmtInt(mem.pats)} PATs | ${mb(mem.idleRssMb)} | ${mb(mem.underS1RssMb)} | ${mb(mem.idleAfterRssMb)} |`,
    );
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
