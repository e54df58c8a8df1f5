import type { AccessReview, UsageDay } from '@patina/contract';
import { plural } from './format.js';

/**
 * Small pictures drawn by hand in SVG: a PAT's exchanges per day, a sparkline of them in a table
 * row, a campaign's progress. The pictures are hidden from assistive technology; each comes with
 * its numbers in words (and, for the day chart, as a table), which is what a screen reader reads.
 * Colours are the theme's CSS variables (styles.css, "Charts"), so they follow light and dark.
 * recharts (the overview's) is loaded only by administrators; these are seen by everyone, and
 * bars need nothing it gives.
 */

const utcDay = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
/** "Jan 15" for a UTC day `2026-01-15`. */
export const dayLabel = (day: string) => utcDay.format(new Date(`${day}T00:00:00Z`));

export function usageTotals(days: readonly UsageDay[]): { succeeded: number; failed: number } {
  return days.reduce(
    (sum, d) => ({ succeeded: sum.succeeded + d.succeeded, failed: sum.failed + d.failed }),
    { succeeded: 0, failed: 0 },
  );
}

/** "41 exchanges and 2 failures in 30 days". */
export function usageSummary(days: readonly UsageDay[]): string {
  const { succeeded, failed } = usageTotals(days);
  return `${plural(succeeded, 'exchange')} and ${plural(failed, 'failure')} in ${plural(days.length, 'day')}`;
}

const BAR = 10;
const GAP = 3;
const HEIGHT = 120;
const AXIS = 18;

/**
 * Exchanges per day as stacked bars (succeeded below, failed above), the day labels of the first,
 * middle and last bar under them, the tallest day's count beside the top.
 */
export function UsageChart({ days, caption }: { days: readonly UsageDay[]; caption: string }) {
  const max = Math.max(1, ...days.map((d) => d.succeeded + d.failed));
  const width = days.length * (BAR + GAP);
  const scale = (n: number) => (n / max) * (HEIGHT - 8);
  const labelled = new Set([0, Math.floor((days.length - 1) / 2), days.length - 1]);
  return (
    <figure className="usage-chart">
      <figcaption className="muted small">{usageSummary(days)}.</figcaption>
      <div className="usage-plot">
        <svg
          viewBox={`0 0 ${width} ${HEIGHT + AXIS}`}
          preserveAspectRatio="none"
          aria-hidden="true"
          focusable="false"
        >
          <line className="chart-axis" x1={0} x2={width} y1={HEIGHT + 0.5} y2={HEIGHT + 0.5} />
          {days.map((d, i) => {
            const x = i * (BAR + GAP) + GAP / 2;
            const ok = scale(d.succeeded);
            const failed = scale(d.failed);
            return (
              <g key={d.day}>
                <title>{`${dayLabel(d.day)}: ${d.succeeded} succeeded, ${d.failed} failed`}</title>
                {ok > 0 && (
                  <rect className="bar-ok" x={x} y={HEIGHT - ok} width={BAR} height={ok} />
                )}
                {failed > 0 && (
                  <rect
                    className="bar-failed"
                    x={x}
                    y={HEIGHT - ok - failed}
                    width={BAR}
                    height={failed}
                  />
                )}
              </g>
            );
          })}
        </svg>
        <div className="usage-axis muted small" aria-hidden="true">
          {days.map((d, i) =>
            labelled.has(i) ? <span key={d.day}>{dayLabel(d.day)}</span> : null,
          )}
        </div>
        <span className="usage-max muted small" aria-hidden="true">
          {max}
        </span>
      </div>
      <p className="legend small" aria-hidden="true">
        <span className="swatch bar-ok-swatch" /> Succeeded{' '}
        <span className="swatch bar-failed-swatch" /> Failed
      </p>
      <details className="chart-data">
        <summary>Show the numbers</summary>
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Succeeded</th>
              <th scope="col">Failed</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{dayLabel(d.day)}</th>
                <td>{d.succeeded}</td>
                <td>{d.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** A row's thirty days in 90 px, beside the totals in words (the cell's text). */
export function Sparkline({ days }: { days: readonly UsageDay[] }) {
  const max = Math.max(1, ...days.map((d) => d.succeeded + d.failed));
  const step = 3;
  const height = 22;
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${days.length * step} ${height}`}
      width={days.length * step}
      height={height}
      aria-hidden="true"
      focusable="false"
    >
      {days.map((d, i) => {
        const ok = (d.succeeded / max) * height;
        const failed = (d.failed / max) * height;
        return (
          <g key={d.day}>
            {ok > 0 && (
              <rect className="bar-ok" x={i * step} y={height - ok} width={step - 1} height={ok} />
            )}
            {failed > 0 && (
              <rect
                className="bar-failed"
                x={i * step}
                y={height - ok - failed}
                width={step - 1}
                height={failed}
              />
            )}
            {ok + failed === 0 && (
              <rect className="bar-none" x={i * step} y={height - 1} width={step - 1} height={1} />
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** A campaign's items: certified, revoked, still pending, and the rest (kept at the deadline, gone). */
export function progressParts(progress: AccessReview['progress']) {
  const other = Math.max(
    0,
    progress.total - progress.certified - progress.revoked - progress.pending,
  );
  return { ...progress, other };
}

/** "4 of 10 decided: 3 certified, 1 revoked, 6 pending". */
export function progressSummary(progress: AccessReview['progress']): string {
  const p = progressParts(progress);
  const parts = [
    `${p.certified} certified`,
    `${p.revoked} revoked`,
    `${p.pending} pending`,
    ...(p.other > 0 ? [`${p.other} kept or gone`] : []),
  ];
  return `${p.decided} of ${plural(p.total, 'item')} decided: ${parts.join(', ')}`;
}

/** One bar, split into certified, revoked, other and pending; the summary in words under it. */
export function ProgressChart({ progress }: { progress: AccessReview['progress'] }) {
  const p = progressParts(progress);
  const total = Math.max(1, p.total);
  const segments = [
    { key: 'certified', n: p.certified, className: 'bar-ok' },
    { key: 'revoked', n: p.revoked, className: 'bar-failed' },
    { key: 'other', n: p.other, className: 'bar-other' },
    { key: 'pending', n: p.pending, className: 'bar-pending' },
  ];
  let x = 0;
  return (
    <div className="progress-chart">
      <svg viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false">
        <rect className="bar-pending" x={0} y={0} width={100} height={8} rx={2} />
        {segments.map((s) => {
          const width = (s.n / total) * 100;
          const rect = (
            <rect key={s.key} className={s.className} x={x} y={0} width={width} height={8} />
          );
          x += width;
          return s.n > 0 ? rect : null;
        })}
      </svg>
      <span className="small">{progressSummary(progress)}</span>
    </div>
  );
}
