import { describe, expect, it } from 'vitest';
import { OUTBOX_CACHE_MS, PAT_COUNT_CACHE_MS } from '../../src/metrics/prometheus.js';
import { DIALECT } from '../dialect.js';
import { REDIS_URL, redisReachable, testRedis } from '../redis.js';
import { DAY_MS, UNKNOWN_ID, V3 } from '../helpers.js';
import { startMetricsApp, value } from './scrapes.js';

const HAVE_REDIS = await redisReachable('the Redis gauge of the metrics tests');

describe('gauges read at scrape time', () => {
  it('show the depth and the oldest age of the mail and webhook outboxes, cached for a few seconds', async () => {
    const { t, scrape } = await startMetricsApp();
    const mail = (id: string, created: Date) => ({
      id,
      eventId: id,
      eventType: 'personal_access_token.expiring',
      payload: '{}',
      created: created.toISOString(),
      notBefore: created.toISOString(),
      channel: 'email' as const,
      recipient: 'ada@example.com',
    });
    const webhook = (id: string, created: Date) => ({
      ...mail(id, created),
      channel: 'webhook' as const,
      webhookId: UNKNOWN_ID,
    });
    const now = t.clock.now().getTime();
    await t.storage.repos.deliveries.insert([
      mail('a'.repeat(32), new Date(now - 90_000)),
      mail('b'.repeat(32), new Date(now - 10_000)),
      webhook('c'.repeat(32), new Date(now - 30_000)),
    ]);
    let text = await scrape();
    expect(value(text, 'patina_outbox_depth', { outbox: 'mail' })).toBe(2);
    expect(value(text, 'patina_outbox_oldest_age_seconds', { outbox: 'mail' })).toBe(90);
    expect(value(text, 'patina_outbox_depth', { outbox: 'webhook' })).toBe(1);
    expect(value(text, 'patina_outbox_oldest_age_seconds', { outbox: 'webhook' })).toBe(30);
    expect(value(text, 'patina_outbox_depth', { outbox: 'ssf_push' })).toBe(0);
    expect(value(text, 'patina_outbox_oldest_age_seconds', { outbox: 'ssf_push' })).toBe(0);

    // A new item is not read again within the cache period; the ages still move with the clock.
    await t.storage.repos.deliveries.insert([mail('d'.repeat(32), new Date(now))]);
    t.clock.advance(OUTBOX_CACHE_MS - 1000);
    text = await scrape();
    expect(value(text, 'patina_outbox_depth', { outbox: 'mail' })).toBe(2);
    expect(value(text, 'patina_outbox_oldest_age_seconds', { outbox: 'mail' })).toBe(94);
    t.clock.advance(1000);
    text = await scrape();
    expect(value(text, 'patina_outbox_depth', { outbox: 'mail' })).toBe(3);
    expect(value(text, 'patina_outbox_oldest_age_seconds', { outbox: 'mail' })).toBe(95);
  });

  it('count PATs by status at most every 30 seconds', async () => {
    const { t, scrape } = await startMetricsApp();
    const counts = async () => {
      const text = await scrape();
      return Object.fromEntries(
        ['active', 'expiring', 'expired', 'revoked'].map((status) => [
          status,
          value(text, 'patina_pats', { status }),
        ]),
      );
    };
    expect(await counts()).toEqual({ active: 1, expiring: 0, expired: 0, revoked: 0 });
    const soon = new Date(t.clock.now().getTime() + 2 * DAY_MS).toISOString();
    const expiring = await t.mintPat(t.admin.identity.id, { name: 'soon', expirationDate: soon });
    await t.mintPat(t.admin.identity.id, { name: 'later' });
    const leaked = await t.mintPat(t.admin.identity.id, { name: 'leaked' });
    const revoked = await t.app.inject({
      method: 'POST',
      url: '/patina/v1/credentials/revoke',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ credentials: [leaked.secret] }),
    });
    expect(revoked.statusCode).toBe(202);
    expect(await counts()).toEqual({ active: 1, expiring: 0, expired: 0, revoked: 0 });
    t.clock.advance(PAT_COUNT_CACHE_MS);
    expect(await counts()).toEqual({ active: 2, expiring: 1, expired: 0, revoked: 1 });
    t.clock.set(new Date(Date.parse(soon) + 1000));
    expect(await counts()).toEqual({ active: 2, expiring: 0, expired: 1, revoked: 1 });
    expect(expiring.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('show the signing keys published and when the next scheduled rotation is due', async () => {
    const { t, scrape } = await startMetricsApp({ config: { signing: { rotateAfterDays: 30 } } });
    let text = await scrape();
    expect(value(text, 'patina_signing_keys_published')).toBe(1);
    const created = Date.parse(t.services.keys.all()[0]!.created);
    const due = (created + 30 * DAY_MS - t.clock.now().getTime()) / 1000;
    expect(value(text, 'patina_signing_key_rotation_due_seconds')).toBe(due);
    t.clock.advance(31 * DAY_MS);
    text = await scrape();
    expect(value(text, 'patina_signing_key_rotation_due_seconds')).toBe(due - 31 * 86_400);
    // Without a schedule there is nothing to be due: the family is left out.
    const unscheduled = await startMetricsApp();
    expect(await unscheduled.scrape()).not.toContain('patina_signing_key_rotation_due_seconds');
  });

  it.runIf(DIALECT === 'postgres')('show the change listener and the PostgreSQL pool', async () => {
    const { scrape } = await startMetricsApp();
    const text = await scrape();
    expect(value(text, 'patina_change_feed_connected')).toBe(1);
    expect(value(text, 'patina_change_feed_last_notification_age_seconds')).toBeLessThan(5);
    const pool = ['in_use', 'idle', 'waiting'].map(
      (state) => value(text, 'patina_db_pool_connections', { state }) ?? -1,
    );
    // Read before the scrape's own queries took connections: nothing waits.
    expect(pool[2]).toBe(0);
    expect(pool.every((n) => n >= 0)).toBe(true);
  });

  it.runIf(HAVE_REDIS)(
    'show whether the Redis connection is up, when Redis is configured',
    async () => {
      const { scrape } = await startMetricsApp({
        config: { redis: { url: REDIS_URL, keyPrefix: testRedis().prefix } },
      });
      expect(value(await scrape(), 'patina_redis_connected')).toBe(1);
    },
  );

  it.runIf(DIALECT === 'sqlite')('show the sizes of SQLite group commits', async () => {
    const { t, scrape } = await startMetricsApp();
    await Promise.all(
      ['one', 'two', 'three', 'four'].map((name) => t.mintPat(t.admin.identity.id, { name })),
    );
    const text = await scrape();
    expect(value(text, 'patina_sqlite_group_commit_batch_size_count')).toBeGreaterThan(0);
  });
});

describe('HTTP requests', () => {
  it('are counted by route template, method and status class, never by path', async () => {
    const { t, scrape } = await startMetricsApp();
    const before = await scrape();
    const send = (method: 'GET' | 'DELETE', url: string) =>
      t.app.inject({ method, url, headers: { authorization: `Bearer ${t.admin.token}` } });
    expect((await send('DELETE', `${V3}/${UNKNOWN_ID}`)).statusCode).toBe(404);
    expect((await send('DELETE', `${V3}/${'f'.repeat(32)}`)).statusCode).toBe(404);
    expect((await send('GET', `/no/such/${UNKNOWN_ID}`)).statusCode).toBe(404);
    expect((await send('GET', V3)).statusCode).toBe(200);
    const text = await scrape();
    const count = (labels: Record<string, string>, from = text) =>
      value(from, 'patina_http_requests_total', labels) ?? 0;
    const byId = { route: `${V3}/:id`, method: 'DELETE', status_class: '4xx' };
    const unmatched = { route: 'unmatched', method: 'GET', status_class: '4xx' };
    const list = { route: V3, method: 'GET', status_class: '2xx' };
    expect(count(byId) - count(byId, before)).toBe(2);
    expect(count(unmatched) - count(unmatched, before)).toBe(1);
    expect(count(list) - count(list, before)).toBe(1);
    expect(text).not.toContain(UNKNOWN_ID);
    expect(
      value(text, 'patina_http_request_duration_seconds_count', { route: `${V3}/:id` }),
    ).toBeGreaterThanOrEqual(2);
  });
});
