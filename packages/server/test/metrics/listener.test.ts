import { describe, expect, it } from 'vitest';
import { listenForMetrics } from '../../src/runtime.js';
import { DIALECT } from '../dialect.js';
import { startTestApp } from '../helpers.js';
import { PROMETHEUS_TEXT, startMetricsApp } from './scrapes.js';

/** Every family of docs/operations.md, "Metrics", on either database, without Redis. */
const FAMILIES = [
  'patina_http_requests_total',
  'patina_http_request_duration_seconds',
  'patina_token_exchanges_total',
  'patina_token_signing_duration_seconds',
  'patina_bearer_checks_total',
  'patina_liveness_cache_lookups_total',
  'patina_verified_token_cache_entries',
  'patina_pats',
  'patina_pat_events_total',
  'patina_outbox_depth',
  'patina_outbox_oldest_age_seconds',
  'patina_deliveries_total',
  'patina_webhooks_disabled_total',
  'patina_failure_throttle_engaged_total',
  'patina_signing_key_rotation_due_seconds',
  'patina_signing_keys_published',
  'patina_process_cpu_user_seconds_total',
  'patina_process_start_time_seconds',
  'patina_nodejs_eventloop_lag_seconds',
  'patina_nodejs_heap_size_used_bytes',
];
/** The families of one database only. */
const BY_DIALECT = {
  sqlite: ['patina_sqlite_group_commit_batch_size', 'patina_sqlite_lock_wait_seconds'],
  postgres: [
    'patina_change_feed_connected',
    'patina_change_feed_last_notification_age_seconds',
    'patina_db_pool_connections',
  ],
};

/**
 * How many TCP servers this process has listening. A closed server's handle leaves the list on
 * the next turn of the event loop.
 */
async function listeningServers(): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;
}

describe('the metrics listener', () => {
  it('serves every family at GET /metrics in the Prometheus text format, with HELP and TYPE', async () => {
    const { url } = await startMetricsApp({ config: { signing: { rotateAfterDays: 30 } } });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    const helped = new Set([...text.matchAll(/^# HELP (\S+) \S/gm)].map((m) => m[1]));
    const typed = new Set([...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1]));
    for (const family of [...FAMILIES, ...BY_DIALECT[DIALECT]]) {
      expect(helped, family).toContain(family);
      expect(typed, family).toContain(family);
    }
    // The other database's families, and Redis (not configured), are left out, not shown as 0.
    const other = DIALECT === 'sqlite' ? BY_DIALECT.postgres : BY_DIALECT.sqlite;
    for (const family of [...other, 'patina_redis_connected']) {
      expect(helped, family).not.toContain(family);
    }
    // Every family that has a HELP line has a TYPE line, and the other way round.
    expect([...helped].sort()).toEqual([...typed].sort());
  });

  it('answers 404 for any other path and 405 for any other method', async () => {
    const { listener } = await startMetricsApp();
    const base = `http://127.0.0.1:${listener.port}`;
    for (const path of ['/', '/metrics/', '/metrics/x', '/health', '/oauth/token', '/Metrics']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).toBe('not found; metrics are at /metrics\n');
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await fetch(`${base}/metrics`, { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
    expect(await head.text()).toBe('');
    // A query string changes nothing (Prometheus sends none; a proxy might).
    expect((await fetch(`${base}/metrics?x=1`)).status).toBe(200);
  });

  it('is its own listener: the public one serves no /metrics', async () => {
    const { t } = await startMetricsApp();
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });

  it('listens on a port while metrics are on, and stops listening when closed', async () => {
    const before = await listeningServers();
    const { listener } = await startMetricsApp();
    expect(await listeningServers()).toBe(before + 1);
    await listener.close();
    expect(await listeningServers()).toBe(before);
  });
});

describe('metrics off (metrics.port null, the default)', () => {
  it('opens no listener and no port, and counts nothing', async () => {
    const before = await listeningServers();
    const t = await startTestApp();
    expect(t.services.config.metrics).toEqual({ port: null, host: '127.0.0.1' });
    expect(await listenForMetrics(t.services)).toBeUndefined();
    expect(await listeningServers()).toBe(before);
    expect(t.services.metrics.enabled).toBe(false);
    await expect(t.services.metrics.scrape()).rejects.toThrow('metrics are off');
    // The requests of an app without metrics go through no metrics hook.
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
