import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pollUntil } from '../poll.js';
import { DAY_MS } from '../helpers.js';
import { deliver, LOCAL_WEBHOOKS, Receiver, subscribe } from '../notifications/receivers.js';
import { OUTBOX_CACHE_MS } from '../../src/metrics/prometheus.js';
import { startMetricsApp, value } from './scrapes.js';

describe('webhook deliveries', () => {
  it('are counted by outcome, with the outbox emptying and the failing endpoint disabled', async () => {
    const { t, scrape } = await startMetricsApp({ config: LOCAL_WEBHOOKS });
    const fine = await Receiver.start(t.clock);
    const failing = await Receiver.start(t.clock);
    failing.answer = () => ({ status: 500 });
    const gone = await Receiver.start(t.clock);
    gone.answer = () => ({ status: 410 });
    for (const receiver of [fine, failing, gone])
      await subscribe(t, receiver, ['identity.created']);
    await t.user({ name: 'Bea', login: 'bea' });

    let text = await scrape();
    expect(value(text, 'patina_outbox_depth', { outbox: 'webhook' })).toBe(3);
    await deliver(t);
    t.clock.advance(OUTBOX_CACHE_MS);
    text = await scrape();
    const count = (outcome: string) =>
      value(text, 'patina_deliveries_total', { outbox: 'webhook', outcome });
    expect({
      delivered: count('delivered'),
      retried: count('retried'),
      failed: count('failed'),
    }).toEqual({ delivered: 1, retried: 1, failed: 1 });
    expect(value(text, 'patina_webhooks_disabled_total')).toBe(1);
    // The failing one waits for its retry.
    expect(value(text, 'patina_outbox_depth', { outbox: 'webhook' })).toBe(1);
    expect(value(text, 'patina_outbox_oldest_age_seconds', { outbox: 'webhook' })).toBe(
      OUTBOX_CACHE_MS / 1000,
    );

    // Five days of failures disable it too.
    for (let day = 0; day < 6; day++) {
      t.clock.advance(DAY_MS);
      await deliver(t);
    }
    text = await scrape();
    expect(value(text, 'patina_webhooks_disabled_total')).toBe(2);
    expect(count('delivered')).toBe(1);
  });
});

/** An RFC 8935 push receiver answering `statuses` in turn, then 202. */
async function pushReceiver(statuses: number[]) {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.statusCode = statuses.shift() ?? 202;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/events`, received: () => received };
}

describe('Shared Signals pushes', () => {
  it('are counted by outcome, and wait in the ssf_push outbox until taken', async () => {
    const { t, scrape } = await startMetricsApp({ config: LOCAL_WEBHOOKS });
    const target = await pushReceiver([503]);
    const owner = await t.user({ name: 'Dev', login: 'dev' });
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const created = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: rs.token,
      json: { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: target.url } },
    });
    expect(created.statusCode).toBe(201);
    await t.deletePat(owner.patId, owner.token);
    expect((await pollUntil(() => Promise.resolve(target.received() === 1), 5000)).met).toBe(true);
    const count = (text: string, outcome: string) =>
      value(text, 'patina_deliveries_total', { outbox: 'ssf_push', outcome });
    const attempts = () =>
      t.storage.db.selectFrom('ssf_events').select('attempts').executeTakeFirst();
    await pollUntil(async () => (await attempts())?.attempts === 1, 5000);
    let text = await scrape();
    expect(count(text, 'retried')).toBe(1);
    expect(value(text, 'patina_outbox_depth', { outbox: 'ssf_push' })).toBe(1);

    // Past the first retry (about 5 s): taken.
    t.clock.advance(OUTBOX_CACHE_MS + 1000);
    t.services.ssf.pushWorker.nudge();
    expect((await pollUntil(() => Promise.resolve(target.received() === 2), 5000)).met).toBe(true);
    await pollUntil(async () => (await attempts())?.attempts === 2, 5000);
    text = await scrape();
    expect(count(text, 'delivered')).toBe(1);
    expect(count(text, 'failed')).toBe(0);
    expect(value(text, 'patina_outbox_depth', { outbox: 'ssf_push' })).toBe(0);
  });
});
