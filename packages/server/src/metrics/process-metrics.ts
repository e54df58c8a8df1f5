import { createRequire } from 'node:module';
import { Registry, type Metric } from 'prom-client';

let shared: Metric[] | undefined;

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
    shared = register
      .getMetricsAsArray()
      .flatMap(({ name }) => register.getSingleMetric(name) ?? []);
  }
  return shared;
}
