/**
 * The benchmark's charts as plain SVG, no library: rectangles, lines and text. A grouped bar chart
 * of median requests/s (one group per scenario, one bar per system or database, H first, on a log
 * axis), and the growth curve (S5): throughput and memory against the number of PATs.
 */

const WIDTH = 960;
const HEIGHT = 460;
const MARGIN = { top: 56, right: 24, bottom: 80, left: 72 };
const BAR_WIDTH = 36;
const BAR_GAP = 4;

/** Series: which scenario ids fill which bar of which group, and their colour in the legend. */
const SERIES = [
  { key: 'hello', legend: 'H: node:http hello world', color: '#9e9e9e' },
  { key: 'base', legend: 'Patina, SQLite', color: '#1f77b4' },
  { key: 'ten', legend: 'Patina, SQLite, 10 PATs listed', color: '#6baed6' },
  { key: 'pg', legend: 'Patina, PostgreSQL', color: '#2ca02c' },
  { key: 'pg2', legend: 'Patina, PostgreSQL, 2 nodes', color: '#98df8a' },
  { key: 'peer', legend: 'oidc-provider (peer)', color: '#ff7f0e' },
  { key: 'alt', legend: 'Patina, S4 unknown client id', color: '#9467bd' },
];

const GROUPS = [
  { label: 'H baseline', bars: [['H', 'hello']] },
  {
    label: 'S1 token exchange',
    bars: [
      ['S1', 'base'],
      ['S1-pg', 'pg'],
      ['S1-pg-2nodes', 'pg2'],
      ['S1-peer', 'peer'],
    ],
  },
  {
    label: 'S2 PAT list',
    bars: [
      ['S2', 'base'],
      ['S2-10', 'ten'],
      ['S2-pg', 'pg'],
      ['S2-pg-2nodes', 'pg2'],
    ],
  },
  { label: 'S3 create + delete', bars: [['S3', 'base']] },
  {
    label: 'S4 failed exchange',
    bars: [
      ['S4-wrong-secret', 'base'],
      ['S4-unknown-id', 'alt'],
    ],
  },
  { label: 'S6 federated exchange', bars: [['S6', 'base']] },
  { label: 'S7 DPoP-bound list', bars: [['S7', 'base']] },
];

/** @param {string} s */
function esc(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A logarithmic axis from a power of ten below the smallest value to one above the largest: H is
 * some thirty times Patina's figures, and on a linear axis Patina's bars would be slivers.
 *
 * @param {number[]} values
 */
function logScale(values) {
  const low = 10 ** Math.floor(Math.log10(Math.max(Math.min(...values), 1)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  const ticks = [];
  for (let decade = low; decade < high; decade *= 10) {
    for (const f of [1, 2, 5]) ticks.push({ value: decade * f, major: f === 1 });
  }
  ticks.push({ value: high, major: true });
  return { low, high, ticks };
}

/**
 * @param {{ scenarios: { id: string, median: { requestsPerSecond: number } }[] }} results
 * @param {{ title: string }} options
 * @returns {string}
 */
export function renderChart(results, options) {
  const rps = new Map(results.scenarios.map((s) => [s.id, s.median.requestsPerSecond]));
  const groups = GROUPS.map((g) => ({ ...g, bars: g.bars.filter(([id]) => rps.has(id)) })).filter(
    (g) => g.bars.length,
  );
  const { low, high, ticks } = logScale([...rps.values()]);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const span = Math.log10(high) - Math.log10(low);
  const y = (v) =>
    MARGIN.top + plotH - ((Math.log10(Math.max(v, low)) - Math.log10(low)) / span) * plotH;
  const slot = plotW / groups.length;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(options.title)}</text>`,
  ];
  for (const { value, major } of ticks) {
    const at = y(value).toFixed(1);
    out.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${at}" y2="${at}" stroke="${major ? '#cccccc' : '#eeeeee'}"/>`,
      `<text x="${MARGIN.left - 6}" y="${Number(at) + 4}" text-anchor="end"${major ? '' : ' fill="#888888"'}>${value.toLocaleString('en-US')}</text>`,
    );
  }
  out.push(
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">requests/s (median, log scale)</text>`,
  );
  groups.forEach((group, gi) => {
    const width = group.bars.length * BAR_WIDTH + (group.bars.length - 1) * BAR_GAP;
    let x = MARGIN.left + gi * slot + (slot - width) / 2;
    for (const [id, key] of group.bars) {
      const value = rps.get(id) ?? 0;
      const color = SERIES.find((s) => s.key === key)?.color ?? '#000000';
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${BAR_WIDTH}" height="${(MARGIN.top + plotH - y(value)).toFixed(1)}" fill="${color}"><title>${esc(id)}: ${Math.round(value)} requests/s</title></rect>`,
        `<text x="${(x + BAR_WIDTH / 2).toFixed(1)}" y="${(y(value) - 4).toFixed(1)}" text-anchor="middle" font-size="11">${Math.round(value).toLocaleString('en-US')}</text>`,
      );
      x += BAR_WIDTH + BAR_GAP;
    }
    out.push(
      `<text x="${(MARGIN.left + gi * slot + slot / 2).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${esc(group.label)}</text>`,
    );
  });
  out.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(low)}" y2="${y(low)}" stroke="#333333"/>`,
  );
  const used = new Set(groups.flatMap((g) => g.bars.map(([, key]) => key)));
  // The legend in rows, each as wide as the chart allows.
  let lx = MARGIN.left;
  let ly = HEIGHT - 38;
  for (const series of SERIES.filter((s) => used.has(s.key))) {
    const legend = series.legend;
    const width = 26 + legend.length * 6.4;
    if (lx + width > WIDTH - MARGIN.right) {
      lx = MARGIN.left;
      ly += 18;
    }
    out.push(
      `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${series.color}"/>`,
      `<text x="${lx + 16}" y="${ly + 10}">${esc(legend)}</text>`,
    );
    lx += width;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

const GROWTH_LINES = [
  { label: 'S1 token exchange', base: 'S1', prefix: 'S5-S1-', color: '#1f77b4' },
  { label: 'S2 PAT list (2 PATs)', base: 'S2', prefix: 'S5-S2-', color: '#2ca02c' },
  { label: 'S3 create + delete', base: 'S3', prefix: 'S5-S3-', color: '#d62728' },
];

/**
 * The growth curve: on the left, median requests/s of S1, S2 and S3 against the PATs in the
 * database (log axis); on the right, Patina's peak RSS at each size. SQLite phases only.
 *
 * @param {{ scenarios: { id: string, database?: string, pats: number | null, median: { requestsPerSecond: number } }[], memory: { database?: string, pats: number, idleRssMb: number, underS1RssMb: number, idleAfterRssMb: number }[] }} results
 * @param {{ title: string }} options
 * @returns {string}
 */
export function renderGrowthChart(results, options) {
  const sqlite = results.scenarios.filter((sc) => (sc.database ?? 'sqlite') === 'sqlite');
  const points = (line) =>
    sqlite
      .filter((sc) => sc.id === line.base || sc.id.startsWith(line.prefix))
      .map((sc) => ({ x: sc.pats ?? 0, y: sc.median.requestsPerSecond }))
      .sort((a, b) => a.x - b.x);
  const memory = results.memory
    .filter((m) => (m.database ?? 'sqlite') === 'sqlite')
    .map((m) => ({ x: m.pats, y: Math.max(m.idleRssMb, m.underS1RssMb, m.idleAfterRssMb) }))
    .sort((a, b) => a.x - b.x);
  const lines = GROWTH_LINES.map((line) => ({ ...line, points: points(line) }));
  const xs = [...lines.flatMap((l) => l.points.map((p) => p.x)), ...memory.map((p) => p.x)];
  const xLow = 10 ** Math.floor(Math.log10(Math.max(Math.min(...xs), 1)));
  const xHigh = 10 ** Math.ceil(Math.log10(Math.max(...xs, 10)));
  const panelW = (WIDTH - 3 * MARGIN.left - 40) / 2;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(options.title)}</text>`,
  ];
  const panel = (left, yTitle, series, unit) => {
    const yHigh = niceCeiling(Math.max(...series.flatMap((l) => l.points.map((p) => p.y)), 1));
    const x = (v) =>
      left + ((Math.log10(v) - Math.log10(xLow)) / (Math.log10(xHigh) - Math.log10(xLow))) * panelW;
    const y = (v) => MARGIN.top + plotH - (v / yHigh) * plotH;
    for (let i = 0; i <= 5; i++) {
      const v = (yHigh / 5) * i;
      out.push(
        `<line x1="${left}" x2="${left + panelW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eeeeee"/>`,
        `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v).toLocaleString('en-US')}</text>`,
      );
    }
    for (let decade = xLow; decade <= xHigh; decade *= 10) {
      out.push(
        `<line x1="${x(decade).toFixed(1)}" x2="${x(decade).toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#eeeeee"/>`,
        `<text x="${x(decade).toFixed(1)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${decade.toLocaleString('en-US')}</text>`,
      );
    }
    out.push(
      `<text x="${left + panelW / 2}" y="${MARGIN.top + plotH + 34}" text-anchor="middle">PATs in the database (log scale)</text>`,
      `<text transform="translate(${left - 52} ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yTitle)}</text>`,
    );
    for (const line of series) {
      if (line.points.length === 0) continue;
      const path = line.points.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${path}" fill="none" stroke="${line.color}" stroke-width="2"/>`);
      for (const p of line.points) {
        out.push(
          `<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3.5" fill="${line.color}"><title>${esc(line.label)} at ${p.x.toLocaleString('en-US')} PATs: ${Math.round(p.y).toLocaleString('en-US')} ${unit}</title></circle>`,
          `<text x="${(x(p.x) + 5).toFixed(1)}" y="${(y(p.y) - 6).toFixed(1)}" font-size="10" fill="${line.color}">${Math.round(p.y).toLocaleString('en-US')}</text>`,
        );
      }
    }
  };
  panel(MARGIN.left + 10, 'requests/s (median)', lines, 'requests/s');
  const rss = [{ label: 'peak RSS', color: '#555555', points: memory }];
  panel(2 * MARGIN.left + panelW + 60, 'Patina RSS, MB (peak of idle and under S1)', rss, 'MB');
  let lx = MARGIN.left;
  for (const series of [...lines, ...rss]) {
    out.push(
      `<rect x="${lx}" y="${HEIGHT - 22}" width="12" height="12" fill="${series.color}"/>`,
      `<text x="${lx + 16}" y="${HEIGHT - 12}">${esc(series.label)}</text>`,
    );
    lx += 30 + series.label.length * 6.4;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** 1, 2 or 5 times a power of ten, at or above `v`. @param {number} v */
function niceCeiling(v) {
  const decade = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((f) => f * decade).find((c) => c >= v) ?? 10 * decade;
}
