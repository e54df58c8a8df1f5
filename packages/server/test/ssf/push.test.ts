import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ResolvedAddress } from '../../src/notifications/ssrf-guard.js';
import { ISSUER, startTestApp, type TestApp, type TestUser } from '../helpers.js';
import { pollUntil } from '../poll.js';

const PUSH = 'urn:ietf:rfc:8935';
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type';

interface Received {
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

/** An RFC 8935 receiver: answers each SET with `status` (202 by default), keeps what it got. */
async function receiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body,
      });
      res.statusCode = statuses.shift() ?? 202;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, received };
}

/** A receiver that takes the connection and the request, and never answers. */
async function silentReceiver() {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  /** Drops every connection: the sender sees a reset. */
  const reset = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  onTestFinished(() => {
    reset();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    connections: () => connections,
    reset,
  };
}

async function pushStream(t: TestApp, rs: TestUser, url: string) {
  const created = await t.request({
    method: 'POST',
    url: '/ssf/streams',
    token: rs.token,
    json: { delivery: { method: PUSH, endpoint_url: url } },
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json<{ stream_id: string }>().stream_id;
}

/** The PAT each received SET is about, in the order they came. */
function subjectsOf(received: Received[]): string[] {
  return received.map((r) => (decodeJwt(r.body).sub_id as { id: string }).id);
}

describe('Push delivery (RFC 8935)', () => {
  it('POSTs each SET as application/secevent+jwt with the stream’s Authorization header', async () => {
    const t = await startTestApp({
      config: { webhooks: { allowPrivateNetworks: true, allowHttp: true } },
    });
    const target = await receiver();
    const owner = await t.user({ name: 'Dev', login: 'dev' });
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const created = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: rs.token,
      json: {
        delivery: {
          method: PUSH,
          endpoint_url: target.url,
          authorization_header: 'Bearer rs-secret',
        },
        events_requested: [`${CAEP}/credential-change`],
      },
    });
    expect(created.statusCode).toBe(201);
    // The Authorization header is the receiver's secret: never answered.
    expect(created.json()).toMatchObject({ delivery: { method: PUSH, endpoint_url: target.url } });
    expect(created.body).not.toContain('rs-secret');

    await t.deletePat(owner.patId, owner.token);
    const { met } = await pollUntil(() => Promise.resolve(target.received.length === 1), 5000);
    expect(met).toBe(true);
    const got = target.received[0]!;
    expect(got.contentType).toBe('application/secevent+jwt');
    expect(got.authorization).toBe('Bearer rs-secret');
    const jwks = await t.request({ method: 'GET', url: '/ssf/jwks' });
    const { payload } = await jwtVerify(got.body, createLocalJWKSet(jwks.json()), {
      typ: 'secevent+jwt',
      issuer: ISSUER,
      audience: rs.patId,
    });
    expect(payload.sub_id).toEqual({ format: 'opaque', id: owner.patId });
    expect(Object.keys(payload.events as object)).toEqual([`${CAEP}/credential-change`]);
  });

  it('tries again after a failure, and gives a SET up when the receiver refuses it (400)', async () => {
    const t = await startTestApp({
      config: { webhooks: { allowPrivateNetworks: true, allowHttp: true } },
    });
    const target = await receiver([503, 400]);
    const a = await t.user({ name: 'A', login: 'a' });
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: rs.token,
      json: { delivery: { method: PUSH, endpoint_url: target.url } },
    });
    await t.deletePat(a.patId, a.token);
    await pollUntil(() => Promise.resolve(target.received.length === 1), 5000);
    const rows = () => t.storage.db.selectFrom('ssf_events').selectAll().execute();
    // 503: due again about 5 s later (the webhooks' first retry, ±10%).
    await pollUntil(async () => (await rows())[0]?.attempts === 1, 5000);
    const [failed] = await rows();
    expect(failed).toMatchObject({ attempts: 1, acked_at: null, last_error: 'HTTP 503' });
    const dueInMs = Date.parse(failed!.next_attempt_at!) - t.clock.now().getTime();
    expect(dueInMs).toBeGreaterThanOrEqual(4500);
    expect(dueInMs).toBeLessThanOrEqual(5500);
    t.clock.advance(6000);
    t.services.ssf.pushWorker.nudge();
    await pollUntil(async () => (await rows())[0]?.attempts === 2, 5000);
    expect(target.received).toHaveLength(2);
    // 400: the receiver will never take it; not tried again.
    expect((await rows())[0]).toMatchObject({
      attempts: 2,
      next_attempt_at: null,
      last_error: 'HTTP 400',
    });
  });

  it('a receiver that never answers delays no other stream: the healthy one gets each SET within 2 s', async () => {
    const t = await startTestApp({
      config: { webhooks: { allowPrivateNetworks: true, allowHttp: true } },
    });
    const silent = await silentReceiver();
    const healthy = await receiver();
    const owners = [];
    for (let i = 0; i < 6; i++) owners.push(await t.user({ name: `Dev ${i}`, login: `dev${i}` }));
    const stuck = await t.user({ name: 'Stuck', login: 'stuck', rights: ['ssf.manage'] });
    const orders = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    // The silent stream first: its SETs are the older ones, ahead of the healthy stream's.
    await pushStream(t, stuck, silent.url);
    await pushStream(t, orders, healthy.url);

    for (const [i, owner] of owners.entries()) {
      await t.deletePat(owner.patId, owner.token);
      const arrived = await pollUntil(
        () => Promise.resolve(healthy.received.length === i + 1),
        2000,
        20,
      );
      expect(arrived.met, `SET ${i + 1} reached the healthy receiver within 2 s`).toBe(true);
    }
    expect(subjectsOf(healthy.received)).toEqual(owners.map((o) => o.patId));
    // The silent stream waits on its first SET: one request, the rest held back in order.
    expect(silent.connections()).toBe(1);
  });

  it('pushes to at most ssf.pushConcurrency streams at once; a freed lane goes to the stream waiting', async () => {
    const t = await startTestApp({
      config: {
        webhooks: { allowPrivateNetworks: true, allowHttp: true },
        ssf: { pushConcurrency: 1 },
      },
    });
    const receivers = [await silentReceiver(), await silentReceiver()];
    const owner = await t.user({ name: 'Dev', login: 'dev' });
    for (const [i, target] of receivers.entries()) {
      const rs = await t.user({ name: `RS ${i}`, login: `rs${i}`, rights: ['ssf.manage'] });
      await pushStream(t, rs, target.url);
    }
    await t.deletePat(owner.patId, owner.token);
    const connected = () => receivers.reduce((sum, r) => sum + r.connections(), 0);
    const first = await pollUntil(() => Promise.resolve(connected() === 1), 2000);
    expect(first.met).toBe(true);
    // One lane, held by the receiver that does not answer: the other stream waits.
    const second = await pollUntil(() => Promise.resolve(connected() === 2), 500);
    expect(second.met).toBe(false);
    // That receiver drops the connection: its SET is due again later, and the lane is free.
    receivers.find((r) => r.connections() === 1)!.reset();
    const freed = await pollUntil(() => Promise.resolve(connected() === 2), 2000);
    expect(freed.met).toBe(true);
  });

  it('a failing receiver backs off alone, and gets its SETs in order once it answers', async () => {
    const t = await startTestApp({
      config: { webhooks: { allowPrivateNetworks: true, allowHttp: true } },
    });
    const failing = await receiver([503]);
    const healthy = await receiver();
    const owners = [];
    for (const name of ['a', 'b', 'c']) owners.push(await t.user({ name, login: name }));
    const flaky = await t.user({ name: 'Flaky', login: 'flaky', rights: ['ssf.manage'] });
    const orders = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const flakyStream = await pushStream(t, flaky, failing.url);
    await pushStream(t, orders, healthy.url);
    for (const owner of owners) await t.deletePat(owner.patId, owner.token);

    const ids = owners.map((o) => o.patId);
    const { met } = await pollUntil(
      () => Promise.resolve(healthy.received.length === 3 && failing.received.length === 1),
      5000,
    );
    expect(met).toBe(true);
    expect(subjectsOf(healthy.received)).toEqual(ids);
    const rows = () =>
      t.storage.db
        .selectFrom('ssf_events')
        .select(['attempts', 'acked_at', 'last_error', 'next_attempt_at'])
        .where('stream_id', '=', flakyStream)
        .orderBy('seq')
        .execute();
    await pollUntil(async () => (await rows())[0]?.attempts === 1, 5000);
    // The first SET failed and waits about 5 s; the two after it wait behind it, not sent.
    const [first, ...rest] = await rows();
    expect(first).toMatchObject({ attempts: 1, acked_at: null, last_error: 'HTTP 503' });
    const dueInMs = Date.parse(first!.next_attempt_at!) - t.clock.now().getTime();
    expect(dueInMs).toBeGreaterThanOrEqual(4500);
    expect(dueInMs).toBeLessThanOrEqual(5500);
    expect(rest.map((r) => r.attempts)).toEqual([0, 0]);
    expect(subjectsOf(failing.received)).toEqual([ids[0]]);

    t.clock.advance(6000);
    t.services.ssf.pushWorker.nudge();
    const resumed = await pollUntil(() => Promise.resolve(failing.received.length === 4), 5000);
    expect(resumed.met).toBe(true);
    expect(subjectsOf(failing.received)).toEqual([ids[0], ...ids]);
    await pollUntil(async () => (await rows()).every((r) => r.acked_at !== null), 5000);
    expect((await rows()).map((r) => r.attempts)).toEqual([2, 1, 1]);
  });

  it('stops a stream whose host now resolves to a forbidden address: no retry, status disabled with the reason', async () => {
    let answer = '93.184.216.34';
    const resolve = (hostname: string): Promise<ResolvedAddress[]> =>
      hostname === 'receiver.example'
        ? Promise.resolve([{ address: answer, family: 4 }])
        : Promise.reject(new Error('ENOTFOUND'));
    const t = await startTestApp({ config: { webhooks: { allowHttp: true } }, resolve });
    const owner = await t.user({ name: 'Dev', login: 'dev' });
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    // At registration the name resolves to a public address: accepted.
    const streamId = await pushStream(t, rs, 'http://receiver.example/events');

    answer = '169.254.169.254';
    await t.deletePat(owner.patId, owner.token);
    const rows = () =>
      t.storage.db
        .selectFrom('ssf_events')
        .select(['attempts', 'acked_at', 'last_error', 'next_attempt_at'])
        .where('stream_id', '=', streamId)
        .execute();
    const { met } = await pollUntil(async () => (await rows())[0]?.attempts === 1, 5000);
    expect(met).toBe(true);
    const refusal =
      'must reach a public address: 169.254.169.254 is private, loopback or reserved (webhooks.allowPrivateNetworks)';
    // Given up: never due again.
    expect(await rows()).toEqual([
      { attempts: 1, acked_at: null, last_error: `'url' ${refusal}`, next_attempt_at: null },
    ]);
    const status = await t.request({
      method: 'GET',
      url: `/ssf/streams/status?stream_id=${streamId}`,
      token: rs.token,
    });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual({
      stream_id: streamId,
      status: 'disabled',
      reason: `Push stopped by the transmitter: 'delivery.endpoint_url' ${refusal}`,
    });
  });
});
