import { createRequire } from 'node:module';
import { Registry, type Aggregator, type Metric } from 'prom-client';

let shared: Metric[] | undefined;

/**
 * How the primary of a node with workers adds up each process family that is not a sum (CPU,
 * memory, heap, handles and open descriptors are: the node's total). prom-client omits the start
 * time from a cluster's sum; the node's is its oldest process's, the primary's. The event loop
 * lag is the worst worker's, so one stuck worker shows (its mean stays prom-client's average).
 */
const NOT_SUMMED: Record<string, Aggregator> = {
  patina_process_start_time_seconds: 'min',
  patina_process_max_fds: 'min',
  patina_nodejs_eventloop_lag_seconds: 'max',
  patina_nodejs_eventloop_lag_min_seconds: 'min',
  patina_nodejs_eventloop_lag_max_seconds: 'max',
  patina_nodejs_eventloop_lag_mean_seconds: 'average',
  patina_nodejs_eventloop_lag_stddev_seconds: 'max',
  patina_nodejs_eventloop_lag_p50_seconds: 'max',
  patina_nodejs_eventloop_lag_p90_seconds: 'max',
  patina_nodejs_eventloop_lag_p99_seconds: 'max',
  patina_nodejs_version_info: 'first',
};

/** One of prom-client's default metric makers (prom-client/lib/metrics/*.js). */
type DefaultMetric = (
  register: Registry,
  config: { prefix: string; eventLoopMonitoringPrecision: number },
) => void;

/**
 * prom-client's default metrics but one: `nodejs_gc_duration_seconds`. Its maker observes every
 * garbage collection (a PerformanceObserver on 'gc' entries, a JavaScript object and a callback
 * per collection, never stopped), and under load that cost S2 about 7 % of its throughput in the
 * bench's metrics-on/off rounds (none measurable without it: docs/benchmarks.md). Heap sizes,
 * event-loop lag, CPU, memory and handles stay. collectDefaultMetrics takes no list of what to
 * leave out, so each maker is called by name; test/unit/metrics.test.ts checks the families
 * that result, so a prom-client that moved them fails there.
 */
const DEFAULT_METRICS = [
  'processCpuTotal',
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
];

export function processMetrics(): Metric[] {
  if (!shared) {
    const register = new Registry();
    const require = createRequire(import.meta.url);
    for (const name of DEFAULT_METRICS) {
      const make = require(`prom-client/lib/metrics/${name}.js`) as DefaultMetric;
      make(register, { prefix: 'patina_', eventLoopMonitoringPrecision: 10 });
    }
    const families = register.getMetricsAsArray();
    // A metric's `aggregator` is what its get() reports; it changes nothing else.
    for (const family of families) family.aggregator = NOT_SUMMED[family.name] ?? family.aggregator;
    shared = families.flatMap(({ name }) => register.getSingleMetric(name) ?? []);
  }
  return shared;
}
