import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

let shared: Metric[] | undefined;

/**
 * prom-client's default metrics (`patina_process_*`, `patina_nodejs_*`), made once per process.
 * They describe the process, not an app, and making them starts a GC observer and an event-loop
 * delay monitor that prom-client never stops: made per app, every test app of a test process
 * would leave a pair running. So they are collected once, into a registry of their own (never
 * prom-client's global one), and each app's registry registers the same metric objects.
 */
export function processMetrics(): Metric[] {
  if (!shared) {
    const register = new Registry();
    collectDefaultMetrics({ register, prefix: 'patina_' });
    shared = register
      .getMetricsAsArray()
      .flatMap(({ name }) => register.getSingleMetric(name) ?? []);
  }
  return shared;
}
