/**
 * A grouped bar chart of median requests/s, written as plain SVG: one group per scenario, one
 * bar per system or database size, the baseline H first, on a log axis. No library: rectangles
 * and text.
 */

const WIDTH = 960;
const HEIGHT = 460;
const MARGIN = { top: 56, right: 24, bottom: 72, left: 72 };
const BAR_WIDTH = 44;
const BAR_GAP = 6;

/** Series: which scenario ids fill which bar of which group, and their colour in the legend. */
const SERIES = [
  { key: 'hello', legend: 'H: node:http hello world', color: '#9e9e9e' },
  { key: 'base', legend: 'Patina, few PATs', color: '#1f77b4' },
  { key: 'scale', legend: 'Patina, scale PATs', color: '#0b3c66' },
  { key: 'peer', legend: 'oidc-provider (peer)', color: '#ff7f0e' },
  { key: 'alt', legend: 'Patina, S4 unknown client id', color: '#6baed6' },
];

const GROUPS = [
  {
    label: 'H baseline',
    bars: [
      ['H', 'hello'],
      ['H-scale', 'hello'],
    ],
  },
  {
    label: 'S1 token exchange',
    bars: [
      ['S1', 'base'],
      ['S5-S1', 'scale'],
      ['S1-peer', 'peer'],
    ],
  },
  {
    label: 'S2 PAT list',
    bars: [
      ['S2', 'base'],
      ['S5-S2', 'scale'],
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
 * @param {{ title: string, baseLabel: string, scaleLabel: string }} options
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
  let lx = MARGIN.left;
  for (const series of SERIES.filter((s) => used.has(s.key))) {
    const legend =
      series.key === 'scale'
        ? `Patina, ${options.scaleLabel}`
        : series.key === 'base'
          ? `Patina, ${options.baseLabel}`
          : series.legend;
    out.push(
      `<rect x="${lx}" y="${HEIGHT - 30}" width="12" height="12" fill="${series.color}"/>`,
      `<text x="${lx + 16}" y="${HEIGHT - 20}">${esc(legend)}</text>`,
    );
    lx += 26 + legend.length * 6.4;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
