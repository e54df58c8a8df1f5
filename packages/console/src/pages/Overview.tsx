import type { Overview as OverviewData } from '@patina/contract';
import { useQuery } from '@tanstack/react-query';
import { useId, type ReactElement, type ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { patina } from '../api.js';
import { ErrorNote, PageHeader } from '../components.js';
import { dateTime, plural } from '../format.js';

/**
 * The administrators' landing view: live tokens by last use and by expiry week, and the token
 * endpoint's successes and failures per day. Each chart has a heading, a one-sentence summary a
 * screen reader reads in its place, and the numbers as a table (docs/decisions.md, "The
 * console's overview", says what they count). Colours are the theme's CSS variables, so the
 * charts follow the system's light or dark setting with the rest of the page.
 */
export function Overview() {
  const overview = useQuery({ queryKey: ['overview'], queryFn: () => patina.overview.get() });
  const data = overview.data;
  return (
    <>
      <PageHeader
        title="Overview"
        description="Live tokens and the token endpoint at a glance. Days are UTC days."
      />
      <ErrorNote error={overview.error} />
      {data && <OverviewBody data={data} />}
    </>
  );
}

/** `tick` is the axis's short label (five fit 360 px); `label` is said in full. */
const AGE_BUCKETS = [
  { key: 'never', tick: 'Never', label: 'Never', color: 'var(--muted)' },
  { key: 'under7Days', tick: '< 7 d', label: 'Under 7 days', color: 'var(--ok)' },
  { key: 'under30Days', tick: '7–30 d', label: '7 to 30 days', color: 'var(--accent)' },
  { key: 'under90Days', tick: '30–90 d', label: '30 to 90 days', color: 'var(--warn)' },
  { key: 'older', tick: '≥ 90 d', label: '90 days or more', color: 'var(--danger)' },
] as const;

const ageLabel = (tick: unknown) => AGE_BUCKETS.find((b) => b.tick === tick)?.label ?? '';

const utcDay = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
/** "Jan 15" for a UTC day `2026-01-15`. */
const dayLabel = (day: string) => utcDay.format(new Date(`${day}T00:00:00Z`));

function OverviewBody({ data }: { data: OverviewData }) {
  const ages = AGE_BUCKETS.map((b) => ({ ...b, count: data.lastUsed[b.key] }));
  const live = ages.reduce((sum, b) => sum + b.count, 0);
  const weeks = data.expiringPerWeek.map((w) => ({ ...w, label: dayLabel(w.weekStart) }));
  const days = data.exchangesPerDay.map((d) => ({ ...d, label: dayLabel(d.day) }));
  const expiringSoon = weeks.slice(0, 4).reduce((sum, w) => sum + w.count, 0);
  const succeeded = days.reduce((sum, d) => sum + d.succeeded, 0);
  const failed = days.reduce((sum, d) => sum + d.failed, 0);
  const workloadRefused = data.federatedExchangesPerDay.reduce((sum, d) => sum + d.failed, 0);

  return (
    <>
      <ul className="stats" aria-label="At a glance">
        <Stat label="Live tokens" value={live} />
        <Stat label="Never used" value={data.lastUsed.never} />
        <Stat label="Expiring within 4 weeks" value={expiringSoon} />
        <Stat label="Failed exchanges, 30 days" value={failed} tone={failed > 0 ? 'danger' : ''} />
        <Stat
          label="Workload tokens refused, 30 days"
          value={workloadRefused}
          tone={workloadRefused > 0 ? 'danger' : ''}
        />
      </ul>
      <div className="charts">
        <ChartCard
          title="Tokens by last use"
          summary={`${plural(live, 'live token')} by last use: ${ages.map((b) => `${b.label.toLowerCase()} ${b.count}`).join(', ')}.`}
          chart={
            <BarChart data={ages} margin={MARGIN} accessibilityLayer={false}>
              <Grid />
              <XAxis dataKey="tick" {...AXIS} interval={0} />
              <YAxis {...AXIS} allowDecimals={false} width={32} />
              <ThemedTooltip labelFormatter={(tick) => ageLabel(tick)} />
              <Bar dataKey="count" name="Tokens" radius={[4, 4, 0, 0]} isAnimationActive={false}>
                {ages.map((b) => (
                  <Cell key={b.key} fill={b.color} />
                ))}
              </Bar>
            </BarChart>
          }
          table={
            <NumbersTable
              caption="Live tokens by last use"
              headers={['Last used', 'Tokens']}
              rows={ages.map((b) => [b.label, b.count])}
            />
          }
        />
        <ChartCard
          title="Tokens expiring per week"
          summary={`${plural(
            weeks.reduce((sum, w) => sum + w.count, 0),
            'token expires',
            'tokens expire',
          )} in the next 12 weeks, ${expiringSoon} of them within 4 weeks.`}
          chart={
            <BarChart data={weeks} margin={MARGIN} accessibilityLayer={false}>
              <Grid />
              {/* The first week is the one that matters: it keeps its label (preserveStart), and
                  the padding keeps its bar and label clear of the Y axis at 360 px. */}
              <XAxis
                dataKey="label"
                {...AXIS}
                minTickGap={8}
                interval="preserveStart"
                padding={{ left: 12, right: 4 }}
              />
              <YAxis {...AXIS} allowDecimals={false} width={32} />
              <ThemedTooltip labelFormatter={(label) => `Week of ${String(label)}`} />
              <Bar
                dataKey="count"
                name="Expiring"
                fill="var(--warn)"
                radius={[4, 4, 0, 0]}
                isAnimationActive={false}
              />
            </BarChart>
          }
          table={
            <NumbersTable
              caption="Live tokens expiring per week (weeks start on the day shown, UTC)"
              headers={['Week of', 'Tokens expiring']}
              rows={weeks.map((w) => [w.label, w.count])}
            />
          }
        />
        <ChartCard
          wide
          title="Exchanges and failures per day"
          summary={`In the last 30 days: ${plural(succeeded, 'successful use')} (each token counted at most once a day) and ${plural(failed, 'failed exchange')}.`}
          chart={
            <BarChart data={days} margin={MARGIN} accessibilityLayer={false}>
              <Grid />
              <XAxis dataKey="label" {...AXIS} minTickGap={16} />
              <YAxis {...AXIS} allowDecimals={false} width={32} />
              <ThemedTooltip />
              <Legend wrapperStyle={{ fontSize: 13 }} itemSorter={null} />
              <Bar
                dataKey="succeeded"
                name="Succeeded"
                stackId="day"
                fill="var(--accent)"
                isAnimationActive={false}
              />
              <Bar
                dataKey="failed"
                name="Failed"
                stackId="day"
                fill="var(--danger)"
                radius={[4, 4, 0, 0]}
                isAnimationActive={false}
              />
            </BarChart>
          }
          table={
            <NumbersTable
              caption="Exchanges per UTC day, last 30 days"
              headers={['Day', 'Succeeded', 'Failed']}
              rows={days.map((d) => [d.label, d.succeeded, d.failed])}
            />
          }
        />
      </div>
      <p className="muted small">
        Counted <time dateTime={data.generatedAt}>{dateTime(data.generatedAt)}</time>. Successful
        uses are the audit trail’s: a token is counted once a day however often it is exchanged.
      </p>
    </>
  );
}

const MARGIN = { top: 8, right: 8, bottom: 0, left: 0 };
const AXIS = {
  tick: { fill: 'var(--muted)', fontSize: 12 },
  stroke: 'var(--border)',
  tickLine: false,
} as const;

function Grid() {
  return <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />;
}

function ThemedTooltip(props: { labelFormatter?: (label: unknown) => string }) {
  return (
    <Tooltip
      cursor={{ fill: 'var(--surface-2)' }}
      contentStyle={{
        background: 'var(--surface)',
        border: '1px solid var(--border)',
        borderRadius: 8,
        color: 'var(--text)',
      }}
      labelStyle={{ color: 'var(--text)', fontWeight: 600 }}
      itemStyle={{ color: 'var(--text)' }}
      {...(props.labelFormatter && { labelFormatter: props.labelFormatter })}
    />
  );
}

function Stat(props: { label: string; value: number; tone?: string }) {
  return (
    <li className={`stat card ${props.tone ? `stat-${props.tone}` : ''}`}>
      <span className="stat-value">{props.value}</span>
      <span className="stat-label">{props.label}</span>
    </li>
  );
}

/**
 * One chart: a heading, the summary in words, the picture, and the numbers behind a disclosure.
 * The picture is hidden from assistive technology, which reads the summary and the table instead
 * (the keyboard reaches every number through the table too).
 */
function ChartCard(props: {
  title: string;
  summary: string;
  chart: ReactElement;
  table: ReactNode;
  wide?: boolean;
}) {
  const id = useId();
  return (
    <section className={`chart card${props.wide ? ' wide' : ''}`} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{props.title}</h2>
      <p className="muted small chart-summary">{props.summary}</p>
      <div className="chart-area" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          {props.chart}
        </ResponsiveContainer>
      </div>
      <details className="chart-data">
        <summary>Show the numbers</summary>
        {props.table}
      </details>
    </section>
  );
}

function NumbersTable(props: { caption: string; headers: string[]; rows: (string | number)[][] }) {
  return (
    <table>
      <caption className="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          {props.headers.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={String(row[0])}>
            {row.map((cell, i) =>
              i === 0 ? (
                <th key={i} scope="row">
                  {cell}
                </th>
              ) : (
                <td key={i}>{cell}</td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
