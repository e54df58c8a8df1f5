import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listenForMetrics } from '../../src/runtime.js';
import { DIALECT } from '../dialect.js';
import { startTestApp } from '../helpers.js';
import { REDIS_URL, redisReachable, testRedis } from '../redis.js';
import { alertExpressions, dashboardExpressions, exposedFamilies, metricNames } from './promql.js';

/**
 * The alerts (deploy/prometheus) and the dashboard (deploy/grafana) read metrics by name, and a
 * misspelt or renamed one is a panel that stays empty or an alert that never fires, without a
 * word from Prometheus or Grafana. So every name their queries read is held to a real scrape of
 * a Patina node with metrics on.
 *
 * Some families exist only on one database: those are named here, with the dialect that exports
 * them. This file runs on both, so every name is met in a real scrape on one of them.
 */
const ONLY_ON: Record<string, 'sqlite' | 'postgres'> = {
  patina_change_feed_connected: 'postgres',
  patina_change_feed_last_notification_age_seconds: 'postgres',
  patina_db_pool_connections: 'postgres',
  patina_sqlite_group_commit_batch_size: 'sqlite',
};

const HAVE_REDIS = await redisReachable('the Redis metrics of the exported-metrics test');

/** Families this run's node cannot export: the other database's, and Redis's without Redis. */
const NOT_HERE = new Set([
  ...Object.entries(ONLY_ON)
    .filter(([, dialect]) => dialect !== DIALECT)
    .map(([family]) => family),
  ...(HAVE_REDIS ? [] : ['patina_redis_connected']),
]);

/** A node with every optional family on: a rotation schedule, Redis when there is one. */
async function scrapeOfNode(): Promise<{ exposition: string; logged: string[] }> {
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
  const redis = HAVE_REDIS ? { url: REDIS_URL, keyPrefix: testRedis().prefix } : undefined;
  const t = await startTestApp({
    logger,
    config: {
      metrics: { port: 0, host: '127.0.0.1' },
      signing: { rotateAfterDays: 30 },
      ...(redis && { redis }),
    },
  });
  const listener = await listenForMetrics(t.services);
  expect(listener, 'metrics are on').toBeDefined();
  onTestFinished(() => listener?.close());
  const response = await fetch(`http://127.0.0.1:${listener!.port}/metrics`);
  expect(response.status).toBe(200);
  return { exposition: await response.text(), logged };
}

const QUERIES = [
  ...alertExpressions().map((query) => ({ ...query, where: 'alerts.yml' })),
  ...dashboardExpressions().map((query) => ({ ...query, where: 'patina.json' })),
];

describe('the metric names of the alerts and the dashboard', () => {
  it('find a query in each file and a name in each query', () => {
    expect(QUERIES.filter((query) => query.where === 'alerts.yml').length).toBeGreaterThan(0);
    expect(QUERIES.filter((query) => query.where === 'patina.json').length).toBeGreaterThan(0);
    const nameless = QUERIES.filter((query) => metricNames(query.expr).length === 0);
    expect(nameless).toEqual([]);
  });

  it(`are exported by a node on ${DIALECT}, or named as another database's`, async () => {
    const { exposition } = await scrapeOfNode();
    const families = exposedFamilies(exposition);
    const unknown = QUERIES.flatMap(({ where, name, expr }) =>
      metricNames(expr)
        .filter((metric) => !families.has(metric))
        .filter((metric) => !NOT_HERE.has(metric.replace(/_(bucket|sum|count)$/, '')))
        .map((metric) => `${where}, ${name}: ${metric}`),
    );
    expect(unknown).toEqual([]);
    // ONLY_ON is kept honest: a family it names for the other database is not exported here.
    expect([...NOT_HERE].filter((family) => families.has(family))).toEqual([]);
  });

  it('do not log the scrapes at info', async () => {
    const { logged } = await scrapeOfNode();
    expect(logged.filter((line) => line.includes('/metrics'))).toEqual([]);
  });
});
