import { onTestFinished } from 'vitest';
import { listenForMetrics } from '../../src/runtime.js';
import { startTestApp, type TestAppOptions } from '../helpers.js';

/** The content type of Prometheus' text exposition format, version 0.0.4. */
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * A test app with metrics on (`metrics.port: 0`, any free port) and its scrape listener
 * started, as `patina-server serve` starts it; both are closed when the test finishes.
 */
export async function startMetricsApp(options: TestAppOptions = {}) {
  const { metrics, ...config } = options.config ?? {};
  const t = await startTestApp({
    ...options,
    config: {
      ...config,
      metrics: { port: 0, ...(metrics as Record<string, unknown> | undefined) },
    },
  });
  const listener = await listenForMetrics(t.services);
  if (!listener) throw new Error('metrics are on, yet no listener was started');
  onTestFinished(() => listener.close());
  const url = `http://127.0.0.1:${listener.port}/metrics`;
  return { t, listener, url, scrape: () => scrapeText(url) };
}

export async function scrapeText(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`scrape answered ${response.status}`);
  return response.text();
}

/** The samples of a scrape: series (name and labels, as written) → value. */
export function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

/** One sample's value: `value(text, 'patina_token_exchanges_total', { outcome: 'success' })`. */
export function value(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const entries = Object.entries(labels);
  const series =
    entries.length === 0 ? name : `${name}{${entries.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  return samples(text).get(series);
}

/**
 * The series of Patina's own families (the process and Node.js ones, whose series come and go
 * with the garbage collector and open handles, left out).
 */
export function patinaSeries(text: string): string[] {
  return [...samples(text).keys()].filter((series) => !/^patina_(process|nodejs)_/.test(series));
}

/** A secret that is certainly not `secret`: its last character changed. */
export function wrongSecret(secret: string): string {
  return `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`;
}
