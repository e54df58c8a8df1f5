import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { CounterFamily, HistogramFamily } from '../../src/metrics/families.js';
import { PrometheusMetrics } from '../../src/metrics/prometheus.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
/** Each bound itself, between bounds, above them all, and 0. */
const OBSERVED = [0, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 30];
/** A label value that the exposition must escape. */
const ODD_ROUTE = '/a"b\\c\nd';

async function text(metric: Counter | Histogram): Promise<string> {
  const registry = new Registry();
  registry.registerMetric(metric);
  return registry.metrics();
}

describe('HistogramFamily', () => {
  it("writes what prom-client's Histogram writes for the same observations", async () => {
    const config = {
      name: 'h_seconds',
      help: 'A histogram.',
      labelNames: ['route'] as const,
      buckets: BUCKETS,
      registers: [],
    };
    const family = new HistogramFamily(config);
    const plain = new Histogram(config);
    for (const route of ['/one', ODD_ROUTE]) {
      const child = family.child({ route });
      for (const value of OBSERVED) {
        child.observe(value);
        plain.observe({ route }, value);
      }
    }
    const written = await text(family);
    expect(written).toBe(await text(plain));
    expect(written).toContain('h_seconds_bucket{le="0.01",route="/one"} 5\n');
    expect(written).toContain('h_seconds_bucket{le="+Inf",route="/one"} 11\n');
    expect(written).toContain('h_seconds_count{route="/one"} 11\n');
  });

  it('answers the same child for the same labels, and shows a label-less one at 0 at once', async () => {
    const family = new HistogramFamily({ name: 'h', help: 'h', buckets: BUCKETS, registers: [] });
    expect(family.child()).toBe(family.child({}));
    const plain = new Histogram({ name: 'h', help: 'h', buckets: BUCKETS, registers: [] });
    expect(await text(family)).toBe(await text(plain));
  });

  it('refuses a value that is not a number, as prom-client does', () => {
    const child = new HistogramFamily({ name: 'h', help: 'h', buckets: BUCKETS }).child();
    expect(() => child.observe(Number.NaN)).toThrow('Value is not a valid number: NaN');
    expect(child.count).toBe(0);
  });
});

describe('CounterFamily', () => {
  it("writes what prom-client's Counter writes for the same counts", async () => {
    const config = {
      name: 'c_total',
      help: 'A counter.',
      labelNames: ['route', 'method'] as const,
      registers: [],
    };
    const family = new CounterFamily(config);
    const plain = new Counter(config);
    const calls = [
      { route: '/one', method: 'GET' },
      { route: ODD_ROUTE, method: 'POST' },
      { route: '/one', method: 'GET' },
    ];
    for (const labels of calls) {
      family.child(labels).inc();
      plain.inc(labels);
    }
    family.child({ route: '/zero', method: 'GET' });
    plain.inc({ route: '/zero', method: 'GET' }, 0);
    const written = await text(family);
    expect(written).toBe(await text(plain));
    expect(written).toContain('c_total{route="/one",method="GET"} 2\n');
    // A second scrape counts the same, not twice.
    expect(await text(family)).toBe(written);
  });

  it('answers the same child for the same labels, whatever their order', () => {
    const family = new CounterFamily({ name: 'c', help: 'c', labelNames: ['a', 'b'] });
    expect(family.child({ a: '1', b: '2' })).toBe(family.child({ b: '2', a: '1' }));
    expect(family.child({ a: '1', b: '2' })).not.toBe(family.child({ a: '12', b: '' }));
  });
});

describe('PrometheusMetrics', () => {
  it('times each signature, one that throws too', async () => {
    const metrics = new PrometheusMetrics({ clock: new ManualClock() });
    expect(metrics.timeSigning(() => 'signed')).toBe('signed');
    expect(() =>
      metrics.timeSigning(() => {
        throw new Error('no key');
      }),
    ).toThrow('no key');
    expect(await metrics.scrape()).toMatch(/^patina_token_signing_duration_seconds_count 2$/m);
    metrics.close();
  });

  it('counts each route, method and status class apart, on series made once', async () => {
    const metrics = new PrometheusMetrics({ clock: new ManualClock() });
    const answer = (route: string | undefined, method: string, statusCode: number) =>
      metrics.httpResponse({ route, method, statusCode, seconds: 0.002 });
    answer('/oauth/token', 'POST', 200);
    answer('/oauth/token', 'POST', 201);
    answer('/oauth/token', 'POST', 401);
    answer('/oauth/token', 'GET', 404);
    answer(undefined, 'GET', 404);
    const scraped = await metrics.scrape();
    const series = (labels: string) =>
      scraped.match(new RegExp(`^patina_http_requests_total\\{${labels}\\} (\\d+)$`, 'm'))?.[1];
    expect(series('route="/oauth/token",method="POST",status_class="2xx"')).toBe('2');
    expect(series('route="/oauth/token",method="POST",status_class="4xx"')).toBe('1');
    expect(series('route="/oauth/token",method="GET",status_class="4xx"')).toBe('1');
    expect(series('route="unmatched",method="GET",status_class="4xx"')).toBe('1');
    expect(scraped).toContain(
      'patina_http_request_duration_seconds_bucket{le="0.0025",route="/oauth/token"} 4\n',
    );
    expect(scraped).toContain('patina_http_request_duration_seconds_count{route="unmatched"} 1\n');
    metrics.close();
  });
});
