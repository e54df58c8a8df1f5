import { describe, expect, it } from 'vitest';
import { DIALECT } from '../dialect.js';
import { freePort } from '../helpers.js';
import { WorkerNode, WORKERS_TIMEOUT_MS, workerSlots } from '../workers/harness.js';
import { samples, scrapeText, value } from './scrapes.js';

/**
 * A real node with two workers and metrics on: its primary serves the scrape, adding up what each
 * worker counted (docs/operations.md, "Metrics"). Requests go on connections of their own, so
 * the primary hands them to both workers.
 */

/** The sum of a family's series whose labels include `labels`. */
function total(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const [series, count] of samples(text)) {
    if (series.startsWith(`${name}{`) && wanted.every((label) => series.includes(label))) {
      sum += count;
    }
  }
  return sum;
}

describe('the metrics of a node with two workers', () => {
  it(
    "are scraped from the primary: every worker's requests counted, the database's gauges once",
    async () => {
      const metricsPort = await freePort();
      const node = await WorkerNode.start({
        workers: 2,
        env: { PATINA_METRICS_PORT: String(metricsPort) },
      });
      const url = `http://127.0.0.1:${metricsPort}/metrics`;
      expect(node.listening.metrics).toBe(url);

      const admin = await node.accessToken(node.credentials());
      const names = ['one', 'two', 'three'];
      for (const name of names) {
        const created = await node.send('POST', '/v3/personal-access-tokens', {
          token: admin,
          json: { name },
        });
        expect(created.status, JSON.stringify(created.body)).toBe(200);
      }
      // Probes until both workers answered one, then as many again: each on a fresh connection.
      const probes = await node.probeEveryWorker(admin);
      for (let i = 0; i < 4; i += 1) probes.push(await node.probe(admin));
      const perWorker = workerSlots(2).map((slot) => probes.filter((p) => p.worker === slot));
      expect(perWorker.map((answered) => answered.length > 0)).toEqual([true, true]);

      const text = await scrapeText(url);
      // Every probe counted once, whichever worker answered: not 1/2 of them, not twice.
      const probed = {
        method: 'GET',
        status_class: '4xx',
        route: '/patina/v1/personal-access-tokens/:id',
      };
      expect(total(text, 'patina_http_requests_total', probed)).toBe(probes.length);
      expect(value(text, 'patina_token_exchanges_total', { outcome: 'success' })).toBe(1);
      expect(value(text, 'patina_pat_events_total', { event: 'created' })).toBe(names.length);
      // The database's counts once: the bootstrap administrator's PAT and the three made here.
      expect(value(text, 'patina_pats', { status: 'active' })).toBe(1 + names.length);
      expect(value(text, 'patina_outbox_depth', { outbox: 'webhook' })).toBe(0);
      expect(value(text, 'patina_signing_keys_published')).toBe(1);
      expect(value(text, 'patina_metrics_workers_missing')).toBe(0);
      // One family each, as from one process.
      expect(text.match(/^# TYPE patina_pats gauge$/gm)).toHaveLength(1);
      if (DIALECT === 'sqlite') {
        // Every write transaction of either worker waited for SQLite's lock, if only for an instant.
        const waits = value(text, 'patina_sqlite_lock_wait_seconds_count') ?? 0;
        expect(waits).toBeGreaterThanOrEqual(names.length);
        expect(value(text, 'patina_sqlite_lock_wait_seconds_bucket', { le: '+Inf' })).toBe(waits);
      } else {
        expect(text).not.toContain('patina_sqlite_lock_wait_seconds');
        // Each worker has a pool and a change listener of its own; the node's listener is up.
        expect(value(text, 'patina_change_feed_connected')).toBe(1);
      }
      // Three processes: the node's start is its primary's, before both workers'.
      const started = value(text, 'patina_process_start_time_seconds') ?? 0;
      expect(started).toBeGreaterThan(0);
      expect(started).toBeLessThanOrEqual(Date.now() / 1000);

      // A worker that cannot answer (stopped) holds no scrape up: the scrape goes on without it,
      // says so, and counts its requests as it last knew them, so the counter does not fall.
      const [, second] = node.startPids;
      process.kill(second!, 'SIGSTOP');
      let stuck: string;
      try {
        stuck = await scrapeText(url);
      } finally {
        process.kill(second!, 'SIGCONT');
      }
      expect(value(stuck, 'patina_metrics_workers_missing')).toBe(1);
      expect(total(stuck, 'patina_http_requests_total', probed)).toBe(probes.length);
      expect(value(stuck, 'patina_pats', { status: 'active' })).toBe(1 + names.length);
      const again = await scrapeText(url);
      expect(value(again, 'patina_metrics_workers_missing')).toBe(0);
      expect(total(again, 'patina_http_requests_total', probed)).toBe(probes.length);

      expect(await node.process.stop()).toEqual({ code: 0, signal: null });
    },
    WORKERS_TIMEOUT_MS,
  );
});
