import { Registry } from 'prom-client';
import type { FamilySnapshot, Scrapeable } from '../metrics/metrics.js';
import { processMetrics } from '../metrics/process-metrics.js';
import { WorkerMetrics } from '../metrics/workers.js';
import type { Supervisor } from './supervisor.js';

/**
 * How long a scrape waits for each worker's answer. Prometheus gives a scrape 10 s by default;
 * a worker that takes more than this is stuck, and the scrape goes on without it.
 */
export const WORKER_METRICS_TIMEOUT_MS = 2_000;

/**
 * What the primary of a node with workers serves on `metrics.port` (docs/operations.md,
 * "Metrics"): at each scrape it asks every worker for its families over the IPC channel and adds
 * them up with its own process's (metrics/workers.ts).
 */
export function clusterMetrics(
  supervisor: Pick<Supervisor, 'collectMetrics'>,
  timeoutMs = WORKER_METRICS_TIMEOUT_MS,
): Scrapeable {
  const own = new Registry();
  for (const metric of processMetrics()) own.registerMetric(metric);
  // prom-client's types call a family's `type` an enum; at run time it is the word.
  const node = new WorkerMetrics(
    () => own.getMetricsAsJSON() as unknown as Promise<FamilySnapshot[]>,
  );
  // One scrape at a time: each retires the workers replaced since the one before, in order.
  let previous: Promise<unknown> = Promise.resolve();
  return {
    contentType: node.contentType,
    scrape: () => {
      const scrape = previous.then(async () =>
        node.render(await supervisor.collectMetrics(timeoutMs)),
      );
      previous = scrape.catch(() => undefined);
      return scrape;
    },
  };
}
