import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { DAY_MS, startTestApp, type TestApp, type TestUser } from '../helpers.js';
import { pollUntil } from '../poll.js';
import { SpecReceiver } from './receiver.js';

const PUSH = 'urn:ietf:rfc:8935';

/** An RFC 8935 receiver that takes every SET (202) and counts them. */
async function pushTarget() {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push(body);
      res.statusCode = 202;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, received };
}

async function setsOf(t: TestApp, streamId: string): Promise<number> {
  const row = await t.storage.db
    .selectFrom('ssf_events')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('stream_id', '=', streamId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A receiver's PAT (expiring in 30 days), with a poll stream and a push stream. */
async function receiverWithStreams(t: TestApp) {
  const identity = await t.services.identities.create(SYSTEM_CONTEXT, {
    name: 'Orders API',
    login: 'orders',
    roles: ['USER'],
    rights: ['ssf.manage'],
  });
  const expirationDate = new Date(t.clock.now().getTime() + 30 * DAY_MS).toISOString();
  const { id: patId, secret } = await t.mintPat(identity.id, {
    name: 'orders receiver',
    scope: null,
    expirationDate,
  });
  const token = await t.accessToken(patId, secret);
  const receiver = new SpecReceiver(t, token);
  const poll = await receiver.createPollStream();
  const target = await pushTarget();
  const created = await t.request({
    method: 'POST',
    url: '/ssf/streams',
    token,
    json: { delivery: { method: PUSH, endpoint_url: target.url } },
  });
  expect(created.statusCode).toBe(201);
  const pushId = created.json<{ stream_id: string }>().stream_id;
  return { identityId: identity.id, patId, token, receiver, poll, pushId, target };
}

type Receiver = Awaited<ReturnType<typeof receiverWithStreams>>;

const ENDINGS: [string, (t: TestApp, r: Receiver) => Promise<void>][] = [
  ['its PAT is deleted', async (t, r) => expect((await t.deletePat(r.patId)).statusCode).toBe(204)],
  [
    'its identity is disabled',
    async (t, r) =>
      expect((await t.patchIdentity(r.identityId, { status: 'DISABLED' })).statusCode).toBe(200),
  ],
  [
    'its PAT expires',
    (t) => {
      t.clock.advance(31 * DAY_MS);
      return Promise.resolve();
    },
  ],
];

describe('Streams whose owning PAT has ended', () => {
  for (const [when, end] of ENDINGS) {
    it(`take, serve and push nothing once ${when}`, async () => {
      const t = await startTestApp({
        config: { webhooks: { allowPrivateNetworks: true, allowHttp: true } },
      });
      const a = await t.user({ name: 'A', login: 'a' });
      const b: TestUser = await t.user({ name: 'B', login: 'b' });
      const r = await receiverWithStreams(t);

      // While the PAT lives, both streams are told.
      await t.deletePat(a.patId, a.token);
      const pushed = await pollUntil(() => Promise.resolve(r.target.received.length === 1), 5000);
      expect(pushed.met).toBe(true);
      expect(await r.receiver.drain(r.poll)).toHaveLength(1);
      const pollSets = await setsOf(t, r.poll.id);
      const pushSets = await setsOf(t, r.pushId);

      await end(t, r);
      await t.deletePat(b.patId);

      // Nothing is written for either stream, so nothing can be pushed or polled…
      expect(await t.services.ssf.pushFeeder.runOnce()).toBe(0);
      const stream = await t.storage.repos.ssf.findStream(r.poll.id);
      const answer = await t.services.ssf.poller.poll(stream!, { returnImmediately: true });
      expect(answer).toEqual({ sets: {}, moreAvailable: false });
      expect(await setsOf(t, r.poll.id)).toBe(pollSets);
      expect(await setsOf(t, r.pushId)).toBe(pushSets);
      // …and nothing more is pushed.
      t.services.ssf.pushWorker.nudge();
      const more = await pollUntil(() => Promise.resolve(r.target.received.length > 1), 1500);
      expect(more.met).toBe(false);
      // The receiver's own token no longer opens its streams.
      const polled = await r.receiver.poll(r.poll.pollUrl, { returnImmediately: true });
      expect(polled.statusCode).toBe(401);

      // Housekeeping deletes inert streams, with their SETs; the admin list no longer has them.
      await t.services.ssf.prune();
      expect(await t.storage.repos.ssf.countStreams()).toBe(0);
      expect(await setsOf(t, r.poll.id)).toBe(0);
    });
  }

  it('a SET queued before the PAT ended is not pushed after', async () => {
    const t = await startTestApp({
      config: { webhooks: { allowPrivateNetworks: true, allowHttp: true } },
    });
    const a = await t.user({ name: 'A', login: 'a' });
    const r = await receiverWithStreams(t);
    // The SET is written (the feeder runs), then the PAT ends before the push worker sends it.
    await t.services.ssf.pushWorker.stop();
    await t.deletePat(a.patId, a.token);
    await pollUntil(async () => (await setsOf(t, r.pushId)) === 1, 5000);
    expect(await setsOf(t, r.pushId)).toBe(1);
    const due = () => t.storage.repos.ssf.duePushStreams(t.clock.now().toISOString(), 10, []);
    expect(await due()).toEqual([r.pushId]);
    await t.deletePat(r.patId);
    expect(await due()).toEqual([]);
  });
});
