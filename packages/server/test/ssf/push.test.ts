import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ISSUER, startTestApp } from '../helpers.js';
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
});
