import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { FamilySnapshot, GaugeSources } from '../../src/metrics/metrics.js';
import { PrometheusMetrics } from '../../src/metrics/prometheus.js';
import { WorkerMetrics, type WorkerSnapshot } from '../../src/metrics/workers.js';
import { samples, value } from './scrapes.js';

/**
 * How the primary of a node with workers adds its workers' metrics up (metrics/workers.ts): each
 * worker here is a PrometheusMetrics of its own, as in a worker process, and what it sends is
 * its snapshot, as over the IPC channel (JSON).
 */

const NOW = new Date('2026-01-15T10:00:00.000Z');

/** Gauge sources as a worker's would be: the same database, its own memory. */
function sources(own: { cacheEntries: number; keys?: number; redis?: boolean }): GaugeSources {
  return {
    outboxes: () =>
      Promise.resolve({
        webhook: { depth: 3, oldestMs: NOW.getTime() - 60_000 },
        mail: { depth: 0, oldestMs: null },
        ssf_push: { depth: 1, oldestMs: NOW.getTime() - 1_000 },
      }),
    pats: () => Promise.resolve({ active: 7, expiring: 2, expired: 1, revoked: 4 }),
    signingKeysPublished: () => own.keys ?? 1,
    signingKeyRotationDueSeconds: () => 3_600,
    verifiedTokenCacheEntries: () => own.cacheEntries,
    redisConnected: () => own.redis ?? true,
    pool: () => ({ inUse: 2, idle: 3, waiting: 0 }),
    sqlite: true,
  };
}

function worker(own: Parameters<typeof sources>[0] = { cacheEntries: 0 }): PrometheusMetrics {
  const metrics = new PrometheusMetrics({ clock: new ManualClock(NOW) });
  metrics.watch(sources(own));
  return metrics;
}

/** A worker's snapshot as the primary receives it: through JSON, like node:cluster's channel. */
async function sent(metrics: PrometheusMetrics, database: boolean): Promise<FamilySnapshot[]> {
  return JSON.parse(JSON.stringify(await metrics.snapshot({ database }))) as FamilySnapshot[];
}

/** A node whose primary's own process reports nothing (its process families are tested apart). */
function node(): WorkerMetrics {
  return new WorkerMetrics(() => Promise.resolve([]));
}

function answer(slot: number, workerId: number, families?: FamilySnapshot[]): WorkerSnapshot {
  return { slot, workerId, families };
}

function respond(metrics: PrometheusMetrics, status: number, seconds: number) {
  metrics.httpResponse({ route: '/health', method: 'GET', statusCode: status, seconds });
}

describe('the metrics of a node with workers', () => {
  it('add the counters and histograms of every worker up', async () => {
    const [a, b] = [worker(), worker()];
    for (let i = 0; i < 3; i++) respond(a, 200, 0.0002);
    for (let i = 0; i < 2; i++) respond(b, 200, 0.02);
    respond(b, 503, 0.5);
    a.tokenExchange('success');
    b.tokenExchange('success');
    b.tokenExchange('wrong_secret');
    a.groupCommitted(4);
    b.lockWaited(0.003);
    b.lockWaited(0.2);
    const text = await node().render([
      answer(0, 10, await sent(a, true)),
      answer(1, 11, await sent(b, false)),
    ]);

    const ok = { route: '/health', method: 'GET', status_class: '2xx' };
    expect(value(text, 'patina_http_requests_total', ok)).toBe(5);
    expect(value(text, 'patina_http_requests_total', { ...ok, status_class: '5xx' })).toBe(1);
    const duration = 'patina_http_request_duration_seconds';
    expect(value(text, `${duration}_count`, { route: '/health' })).toBe(6);
    expect(value(text, `${duration}_sum`, { route: '/health' })).toBeCloseTo(0.5406, 6);
    expect(value(text, `${duration}_bucket`, { le: '0.00025', route: '/health' })).toBe(3);
    expect(value(text, `${duration}_bucket`, { le: '0.025', route: '/health' })).toBe(5);
    expect(value(text, `${duration}_bucket`, { le: '+Inf', route: '/health' })).toBe(6);
    expect(value(text, 'patina_token_exchanges_total', { outcome: 'success' })).toBe(2);
    expect(value(text, 'patina_token_exchanges_total', { outcome: 'wrong_secret' })).toBe(1);
    expect(value(text, 'patina_sqlite_group_commit_batch_size_count')).toBe(1);
    expect(value(text, 'patina_sqlite_lock_wait_seconds_count')).toBe(2);
    expect(value(text, 'patina_sqlite_lock_wait_seconds_bucket', { le: '0.005' })).toBe(1);
    expect(value(text, 'patina_sqlite_lock_wait_seconds_bucket', { le: '0.25' })).toBe(2);
    expect(value(text, 'patina_metrics_workers_missing')).toBe(0);
    // One HELP and one TYPE per family, as from one process.
    expect(text.match(/^# TYPE patina_http_requests_total counter$/gm)).toHaveLength(1);
  });

  it('report the gauges read from the database once: one worker reads them, and they are never summed', async () => {
    const [a, b] = [worker(), worker()];
    expect((await sent(b, false)).map(({ name }) => name)).not.toContain('patina_pats');
    const once = await node().render([
      answer(0, 10, await sent(a, true)),
      answer(1, 11, await sent(b, false)),
    ]);
    // Even if two workers sent them, they are the same database's counts: taken, not added.
    const twice = await node().render([
      answer(0, 10, await sent(a, true)),
      answer(1, 11, await sent(b, true)),
    ]);
    for (const text of [once, twice]) {
      expect(value(text, 'patina_pats', { status: 'active' })).toBe(7);
      expect(value(text, 'patina_pats', { status: 'revoked' })).toBe(4);
      expect(value(text, 'patina_outbox_depth', { outbox: 'webhook' })).toBe(3);
      expect(value(text, 'patina_outbox_oldest_age_seconds', { outbox: 'webhook' })).toBe(60);
    }
  });

  it('say one thing about the node with the gauges each worker holds', async () => {
    const a = worker({ cacheEntries: 10, keys: 2, redis: true });
    const b = worker({ cacheEntries: 4, keys: 1, redis: false });
    const text = await node().render([
      answer(0, 10, await sent(a, true)),
      answer(1, 11, await sent(b, false)),
    ]);
    // A rotation one worker has not heard of yet: the node publishes what the newest knows.
    expect(value(text, 'patina_signing_keys_published')).toBe(2);
    expect(value(text, 'patina_signing_key_rotation_due_seconds')).toBe(3_600);
    // Each worker's own cache: the fullest one says whether it is too small.
    expect(value(text, 'patina_verified_token_cache_entries')).toBe(10);
    // One worker without Redis counts its limits alone: the node is not connected.
    expect(value(text, 'patina_redis_connected')).toBe(0);
    // Each worker has a pool of its own: the node holds their connections together.
    expect(value(text, 'patina_db_pool_connections', { state: 'idle' })).toBe(6);
  });

  it('add the processes up: memory and CPU summed, the start the oldest, the lag the worst', async () => {
    const a = await sent(worker(), true);
    const b = structuredClone(a);
    const set = (families: FamilySnapshot[], name: string, to: number) => {
      const family = families.find((f) => f.name === name);
      expect(family, name).toBeDefined();
      for (const v of family!.values) v.value = to;
    };
    set(a, 'patina_process_resident_memory_bytes', 100);
    set(b, 'patina_process_resident_memory_bytes', 50);
    set(a, 'patina_process_cpu_seconds_total', 2);
    set(b, 'patina_process_cpu_seconds_total', 3);
    set(a, 'patina_process_start_time_seconds', 2_000);
    set(b, 'patina_process_start_time_seconds', 1_000);
    set(a, 'patina_nodejs_eventloop_lag_p99_seconds', 0.25);
    set(b, 'patina_nodejs_eventloop_lag_p99_seconds', 0.01);
    set(a, 'patina_process_max_fds', 1024);
    set(b, 'patina_process_max_fds', 1024);
    const text = await node().render([answer(0, 10, a), answer(1, 11, b)]);
    expect(value(text, 'patina_process_resident_memory_bytes')).toBe(150);
    expect(value(text, 'patina_process_cpu_seconds_total')).toBe(5);
    expect(value(text, 'patina_process_start_time_seconds')).toBe(1_000);
    expect(value(text, 'patina_nodejs_eventloop_lag_p99_seconds')).toBe(0.25);
    expect(value(text, 'patina_process_max_fds')).toBe(1024);
    expect(
      [...samples(text).keys()].filter((s) => s.startsWith('patina_nodejs_version_info')),
    ).toHaveLength(1);
  });

  it('count a worker that does not answer with its last counters, and say it is missing', async () => {
    const [a, b] = [worker(), worker()];
    respond(a, 200, 0.001);
    respond(b, 200, 0.001);
    const primary = node();
    await primary.render([answer(0, 10, await sent(a, true)), answer(1, 11, await sent(b, false))]);
    respond(a, 200, 0.001);
    respond(b, 200, 0.001);
    const text = await primary.render([answer(0, 10, await sent(a, true)), answer(1, 11)]);
    const ok = { route: '/health', method: 'GET', status_class: '2xx' };
    // b's second request is not known yet; its first still counts, so the counter does not fall.
    expect(value(text, 'patina_http_requests_total', ok)).toBe(3);
    expect(value(text, 'patina_metrics_workers_missing')).toBe(1);
    // Its gauges are not shown from the past: worker a's alone.
    expect(value(text, 'patina_verified_token_cache_entries')).toBe(0);
  });

  it("keep a replaced worker's counts, so that the node's counters never fall", async () => {
    const [first, second, other] = [worker(), worker(), worker()];
    for (let i = 0; i < 5; i++) respond(first, 200, 0.001);
    respond(other, 200, 0.001);
    const primary = node();
    const ok = { route: '/health', method: 'GET', status_class: '2xx' };
    const before = await primary.render([
      answer(0, 10, await sent(first, true)),
      answer(1, 11, await sent(other, false)),
    ]);
    expect(value(before, 'patina_http_requests_total', ok)).toBe(6);
    // Slot 0's worker died and another took its place (another worker id), starting at 0.
    respond(second, 200, 0.001);
    const after = await primary.render([
      answer(0, 12, await sent(second, true)),
      answer(1, 11, await sent(other, false)),
    ]);
    expect(value(after, 'patina_http_requests_total', ok)).toBe(7);
    // And the next scrape still counts them, once.
    const again = await primary.render([
      answer(0, 12, await sent(second, true)),
      answer(1, 11, await sent(other, false)),
    ]);
    expect(value(again, 'patina_http_requests_total', ok)).toBe(7);
    expect(value(again, 'patina_http_request_duration_seconds_count', { route: '/health' })).toBe(
      7,
    );
  });

  it('tell the primary how to add each family: custom families say so in what they send', async () => {
    const families = await sent(worker(), true);
    const aggregator = (name: string) => families.find((f) => f.name === name)?.aggregator;
    expect(aggregator('patina_http_requests_total')).toBe('sum');
    expect(aggregator('patina_http_request_duration_seconds')).toBe('sum');
    expect(aggregator('patina_sqlite_lock_wait_seconds')).toBe('sum');
    expect(aggregator('patina_pats')).toBe('first');
    expect(aggregator('patina_outbox_depth')).toBe('first');
    expect(aggregator('patina_signing_keys_published')).toBe('max');
  });
});

describe('one process (workers 1)', () => {
  it('shows the lock-wait histogram on SQLite only', async () => {
    const sqlite = worker();
    sqlite.lockWaited(0.00002);
    const text = await sqlite.scrape();
    expect(value(text, 'patina_sqlite_lock_wait_seconds_count')).toBe(1);
    expect(value(text, 'patina_sqlite_lock_wait_seconds_bucket', { le: '0.00001' })).toBe(0);
    expect(value(text, 'patina_sqlite_lock_wait_seconds_bucket', { le: '0.0001' })).toBe(1);
    expect(value(text, 'patina_sqlite_lock_wait_seconds_bucket', { le: '5' })).toBe(1);
    const postgres = new PrometheusMetrics({ clock: new ManualClock(NOW) });
    postgres.watch({ ...sources({ cacheEntries: 0 }), sqlite: false });
    postgres.lockWaited(0.00002);
    expect(await postgres.scrape()).not.toContain('patina_sqlite_lock_wait_seconds');
    // Nor is the worker-count family of a node with workers there.
    expect(text).not.toContain('patina_metrics_workers_missing');
  });
});
