import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/core/clock.js';
import { NO_METRICS, snakeCase } from '../../src/metrics/metrics.js';
import { processMetrics } from '../../src/metrics/process-metrics.js';
import { PrometheusMetrics } from '../../src/metrics/prometheus.js';
import { ScrapeCache } from '../../src/metrics/scrape-cache.js';

describe('ScrapeCache', () => {
  function counting(clock: ManualClock, results: (() => Promise<number>)[]) {
    const errors: unknown[] = [];
    let reads = 0;
    const cache = new ScrapeCache({
      read: () => results[reads++]!(),
      ttlMs: 5000,
      clock,
      onError: (error) => errors.push(error),
    });
    return { cache, errors, reads: () => reads };
  }

  it('reads once for a storm of concurrent scrapes, and again only after its period', async () => {
    const clock = new ManualClock();
    const { cache, reads } = counting(clock, [() => Promise.resolve(1), () => Promise.resolve(2)]);
    const storm = await Promise.all(Array.from({ length: 100 }, () => cache.get()));
    expect(new Set(storm)).toEqual(new Set([1]));
    expect(reads()).toBe(1);
    clock.advance(4999);
    expect(await cache.get()).toBe(1);
    expect(reads()).toBe(1);
    clock.advance(1);
    expect(await cache.get()).toBe(2);
    expect(reads()).toBe(2);
  });

  it('keeps the last value when a read fails, and does not retry before the period ends', async () => {
    const clock = new ManualClock();
    const down = new Error('database down');
    const { cache, errors, reads } = counting(clock, [
      () => Promise.resolve(7),
      () => Promise.reject(down),
      () => Promise.resolve(8),
    ]);
    expect(await cache.get()).toBe(7);
    clock.advance(5000);
    expect(await cache.get()).toBe(7);
    expect(errors).toEqual([down]);
    expect(await cache.get()).toBe(7);
    expect(reads()).toBe(2);
    clock.advance(5000);
    expect(await cache.get()).toBe(8);
  });
});

describe('metric labels', () => {
  it('are the audit trail’s reasons in lower snake case', () => {
    expect(snakeCase('ROTATED_SECRET_REUSED')).toBe('rotated_secret_reused');
    expect(snakeCase('IP_NOT_ALLOWED')).toBe('ip_not_allowed');
    expect(snakeCase('wrong_secret')).toBe('wrong_secret');
    expect(snakeCase('TOKEN_EXPIRED')).toBe('token_expired');
    expect(snakeCase('ownerDisabled')).toBe('owner_disabled');
    expect(snakeCase('invalid-scope')).toBe('invalid_scope');
  });

  it('are capped: a bug that let callers choose values would cost one series, not one each', async () => {
    const metrics = new PrometheusMetrics({ clock: new ManualClock() });
    for (let i = 0; i < 1000; i++) {
      metrics.tokenExchange(`reason_${i}`);
      metrics.httpResponse({ route: `/r/${i}`, method: `M${i}`, statusCode: 200, seconds: 0 });
    }
    const text = await metrics.scrape();
    const exchangeSeries = text.match(/^patina_token_exchanges_total\{/gm) ?? [];
    expect(exchangeSeries.length).toBe(64 + 1);
    expect(text).toContain('patina_token_exchanges_total{outcome="other"} ');
    const routes = new Set(
      [...text.matchAll(/^patina_http_requests_total\{route="([^"]*)"/gm)].map((m) => m[1]),
    );
    expect(routes.size).toBe(200 + 1);
    expect(text).toContain('method="other"');
    metrics.close();
    expect((await metrics.scrape()).trim()).toBe('');
  });

  it('cost nothing when metrics are off', () => {
    expect(NO_METRICS.enabled).toBe(false);
    expect(NO_METRICS.timeSigning(() => 'signed')).toBe('signed');
  });
});

describe('the metrics settings', () => {
  it('are off by default, on 127.0.0.1 when on', () => {
    expect(loadConfig({ env: {} }).metrics).toEqual({ port: null, host: '127.0.0.1' });
  });

  it('come from PATINA_METRICS_PORT and PATINA_METRICS_HOST', () => {
    const env = { PATINA_METRICS_PORT: '9464', PATINA_METRICS_HOST: '10.0.0.5' };
    expect(loadConfig({ env }).metrics).toEqual({ port: 9464, host: '10.0.0.5' });
  });

  it('name the variable of a port that is not one', () => {
    expect(() => loadConfig({ env: { PATINA_METRICS_PORT: 'nine' } })).toThrow(
      'Invalid configuration in settings: metrics.port (PATINA_METRICS_PORT)',
    );
  });
});

describe('the process metrics', () => {
  it("are prom-client's defaults without the garbage-collection observer", () => {
    const names = processMetrics().map((metric) => (metric as unknown as { name: string }).name);
    expect(names).toEqual(
      expect.arrayContaining([
        'patina_process_cpu_seconds_total',
        'patina_process_resident_memory_bytes',
        'patina_process_open_fds',
        'patina_nodejs_eventloop_lag_seconds',
        'patina_nodejs_heap_size_used_bytes',
        'patina_nodejs_active_handles_total',
        'patina_nodejs_version_info',
      ]),
    );
    expect(names.filter((name) => name.includes('gc'))).toEqual([]);
  });
});
