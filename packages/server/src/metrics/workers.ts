import { AggregatorRegistry, Registry } from 'prom-client';
import type { FamilySnapshot } from './metrics.js';

/** One worker's part of a scrape: its slot, which worker, and its families (undefined: no answer). */
export interface WorkerSnapshot {
  slot: number;
  /** node:cluster's id of the worker in the slot: a restarted worker has another, never reused. */
  workerId: number | undefined;
  families: FamilySnapshot[] | undefined;
}

const MISSING_HELP =
  'Workers whose metrics this scrape lacks (no answer in time, or waiting for a restart); their counters show their last known values.';

/**
 * The metrics of a node with workers, as its primary serves them (docs/operations.md, "Metrics"):
 * each worker's families and the primary's own (its process), added up by prom-client's cluster
 * aggregation, each family by its `aggregator`: a sum for counters, histograms, memory and CPU;
 * `first`, `min` or `max` for the gauges that say one thing about the node.
 *
 * Counters must never go down, or Prometheus takes the fall for a restart and counts every
 * request since the node started again. So a worker that does not answer in time counts with its
 * last known counters, and when a slot's worker is replaced (a crash, a restart) the counters its
 * predecessor last reported are kept, added to the node's from then on.
 */
export class WorkerMetrics {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  /** Each slot's worker and the families it last sent. */
  readonly #last = new Map<number, { workerId: number | undefined; families: FamilySnapshot[] }>();
  /** The counters of workers that were replaced, added up: one family each, however many. */
  #retired: FamilySnapshot[] = [];

  /** `own`: the primary's own families, read at each scrape. */
  constructor(private readonly own: () => Promise<FamilySnapshot[]>) {}

  /** The Prometheus text exposition of the node, from what its workers answered. */
  async render(answers: readonly WorkerSnapshot[]): Promise<string> {
    const own = await this.own();
    // From here to the registry nothing waits (and cluster-metrics.ts runs one scrape at a time).
    const parts: FamilySnapshot[][] = [];
    let missing = 0;
    for (const { slot, workerId, families } of answers) {
      const last = this.#last.get(slot);
      if (families) {
        if (last && last.workerId !== workerId) {
          this.#retired = sum([this.#retired, counters(last.families)]);
        }
        this.#last.set(slot, { workerId, families });
        parts.push(families);
      } else {
        missing += 1;
        if (last) parts.push(counters(last.families));
      }
    }
    parts.push(this.#retired, own, [
      {
        name: 'patina_metrics_workers_missing',
        help: MISSING_HELP,
        type: 'gauge',
        aggregator: 'sum',
        values: [{ value: missing, labels: {} }],
      },
    ]);
    return AggregatorRegistry.aggregate(parts).metrics();
  }
}

/** The families that only ever grow, and are summed: counters and histograms. */
function counters(families: readonly FamilySnapshot[]): FamilySnapshot[] {
  return families.filter(
    ({ type, aggregator }) => (type === 'counter' || type === 'histogram') && aggregator === 'sum',
  );
}

/**
 * The families of `parts` added up, as plain families again. aggregate() registers each result
 * as `Object.assign({ get }, family)` (prom-client 15, lib/cluster.js), so the registry's
 * entries are the families themselves; the unit test of the retirement holds this to account.
 */
function sum(parts: FamilySnapshot[][]): FamilySnapshot[] {
  const families = AggregatorRegistry.aggregate(
    parts,
  ).getMetricsAsArray() as unknown as FamilySnapshot[];
  return families.map(({ name, help, type, aggregator, values }) => ({
    name,
    help,
    type,
    aggregator,
    values: values.map((value) => ({ ...value })),
  }));
}
