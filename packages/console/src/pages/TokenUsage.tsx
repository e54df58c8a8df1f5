import { useQuery } from '@tanstack/react-query';
import { UsageChart } from '../charts.js';
import { ErrorNote } from '../components.js';
import { patUsage } from '../governance.js';
import type { Pat } from '../tokens.js';

/** How many UTC days the detail view's chart covers. */
const USAGE_DAYS = 30;

/** A PAT's exchanges per UTC day over the last 30 days, succeeded and failed. */
export function TokenUsage({ pat }: { pat: Pat }) {
  const usage = useQuery({
    queryKey: ['pats', 'usage', pat.id],
    queryFn: () => patUsage(pat.id, USAGE_DAYS),
  });
  return (
    <section aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage, last {USAGE_DAYS} days</h2>
      <p className="muted small">
        Exchanges at the token endpoint per UTC day: those that succeeded, and those refused with
        this token’s client ID.
      </p>
      <ErrorNote error={usage.error} />
      {usage.isPending && <p className="loading">Loading usage…</p>}
      {usage.data && (
        <UsageChart days={usage.data.days} caption={`Exchanges of ${pat.name} per UTC day`} />
      )}
    </section>
  );
}
