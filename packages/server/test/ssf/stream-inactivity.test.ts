import { describe, expect, it } from 'vitest';
import {
  expectSailPointError,
  HOUR_MS,
  MINUTE_MS,
  START,
  startTestApp,
  type TestApp,
  type TestUser,
} from '../helpers.js';
import { pollUntil } from '../poll.js';
import { SpecReceiver } from './receiver.js';

const PUSH = 'urn:ietf:rfc:8935';
const POLL = 'urn:ietf:rfc:8936';
/** The timeout these tests configure (seconds); the default is a day. */
const TIMEOUT_S = 3600;

function at(offsetMs: number): string {
  return new Date(Date.parse(START) + offsetMs).toISOString();
}

/** A fresh access token for `user` (the clock moves past an access token's life here). */
async function refreshed(t: TestApp, user: TestUser): Promise<TestUser> {
  return { ...user, token: await t.accessToken(user.patId, user.secret) };
}

async function lastActivityOf(t: TestApp, streamId: string): Promise<string | null | undefined> {
  const row = await t.storage.db
    .selectFrom('ssf_streams')
    .select('last_activity_at')
    .where('id', '=', streamId)
    .executeTakeFirst();
  return row?.last_activity_at;
}

async function setsOf(t: TestApp, streamId: string): Promise<number> {
  const rows = await t.storage.db
    .selectFrom('ssf_events')
    .select('seq')
    .where('stream_id', '=', streamId)
    .execute();
  return rows.length;
}

async function deletedEvents(t: TestApp) {
  const admin = await refreshed(t, t.admin);
  const res = await t.request({
    method: 'GET',
    url: '/patina/v1/audit-events?type=SSF_STREAM_DELETED',
    token: admin.token,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Record<string, unknown>[]>();
}

describe('inactivity_timeout (SSF 1.0 §8.1.1)', () => {
  it('is answered in every stream configuration, from ssf.inactivityTimeoutSeconds', async () => {
    const t = await startTestApp({ config: { ssf: { inactivityTimeoutSeconds: TIMEOUT_S } } });
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const created = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: rs.token,
      json: {},
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ inactivity_timeout: TIMEOUT_S });
    const id = created.json<{ stream_id: string }>().stream_id;
    const read = await t.request({
      method: 'GET',
      url: `/ssf/streams?stream_id=${id}`,
      token: rs.token,
    });
    expect(read.json()).toMatchObject({ inactivity_timeout: TIMEOUT_S });
    // Receiver-sent, it is transmitter-supplied and ignored (§8.1.1.3).
    const patched = await t.request({
      method: 'PATCH',
      url: '/ssf/streams',
      token: rs.token,
      json: { stream_id: id, inactivity_timeout: 5 },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ inactivity_timeout: TIMEOUT_S });
  });

  it('refuses a timeout under five minutes at start, naming the setting', async () => {
    await expect(
      startTestApp({ config: { ssf: { inactivityTimeoutSeconds: 60 } } }),
    ).rejects.toThrow(/ssf\.inactivityTimeoutSeconds|ssf\/inactivityTimeoutSeconds/);
  });
});

describe('Streams whose receiver is silent past ssf.inactivityTimeoutSeconds', () => {
  it('are deleted by housekeeping with their SETs, audited, freeing the client’s place', async () => {
    const t = await startTestApp({
      config: { ssf: { inactivityTimeoutSeconds: TIMEOUT_S, maxStreamsPerClient: 1 } },
    });
    let rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    // A verifier opens its stream, is told one thing, and dies without deleting the stream.
    const stream = await new SpecReceiver(t, rs.token).createPollStream();
    const verified = await t.request({
      method: 'POST',
      url: '/ssf/streams/verify',
      token: rs.token,
      json: { stream_id: stream.id },
    });
    expect(verified.statusCode).toBe(204);
    expect(await setsOf(t, stream.id)).toBe(1);
    // Restarted, it cannot open another: the dead one holds the client's only place.
    const refused = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: rs.token,
      json: {},
    });
    expect(refused.statusCode).toBe(400);

    // Silent for exactly the timeout: kept.
    t.clock.advance(TIMEOUT_S * 1000);
    await t.services.ssf.prune();
    expect(await t.storage.repos.ssf.countStreams()).toBe(1);
    expect(await deletedEvents(t)).toEqual([]);

    // One moment more: deleted, with its SET.
    t.clock.advance(1);
    await t.services.ssf.prune();
    expect(await t.storage.repos.ssf.countStreams()).toBe(0);
    expect(await setsOf(t, stream.id)).toBe(0);
    const events = await deletedEvents(t);
    expect(events).toEqual([
      {
        id: expect.any(String) as string,
        time: at(TIMEOUT_S * 1000 + 1),
        type: 'SSF_STREAM_DELETED',
        actor: { id: null, name: 'patina' },
        target: { type: 'SSF_STREAM', id: stream.id, name: null },
        outcome: 'SUCCESS',
        sourceIp: null,
        userAgent: null,
        trackingId: null,
        details: {
          streamId: stream.id,
          clientId: rs.patId,
          reason: 'INACTIVE',
          lastActivityAt: START,
          inactivityTimeoutSeconds: TIMEOUT_S,
        },
      },
    ]);

    // The restarted verifier's client makes its stream again, within the limit.
    rs = await refreshed(t, rs);
    const again = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: rs.token,
      json: {},
    });
    expect(again.statusCode, again.body).toBe(201);
    // Housekeeping again finds nothing more to delete, nor a second audit event to write.
    await t.services.ssf.prune();
    expect(await t.storage.repos.ssf.countStreams()).toBe(1);
    expect(await deletedEvents(t)).toHaveLength(1);
  });

  it('keeps a stream its receiver polls, however long it lives', async () => {
    const t = await startTestApp({ config: { ssf: { inactivityTimeoutSeconds: TIMEOUT_S } } });
    let rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const live = await new SpecReceiver(t, rs.token).createPollStream();
    const dead = await new SpecReceiver(t, rs.token).createPollStream();
    for (let i = 0; i < 6; i++) {
      t.clock.advance(20 * MINUTE_MS);
      rs = await refreshed(t, rs);
      const polled = await new SpecReceiver(t, rs.token).poll(live.pollUrl, {
        returnImmediately: true,
      });
      expect(polled.statusCode).toBe(200);
      await t.services.ssf.prune();
    }
    // Its sibling, never polled, went an hour in.
    const left = await t.storage.repos.ssf.listStreams();
    expect(left.map((s) => s.id)).toEqual([live.id]);
    expect(await lastActivityOf(t, dead.id)).toBeUndefined();
    expect(await lastActivityOf(t, live.id)).toBe(at(2 * HOUR_MS));
  });

  // Every call of the receiver about one stream is a word from it; listing all is not.
  const CALLS: [string, (t: TestApp, token: string, id: string) => Promise<number>][] = [
    [
      'reads its configuration',
      async (t, token, id) =>
        (await t.request({ method: 'GET', url: `/ssf/streams?stream_id=${id}`, token })).statusCode,
    ],
    [
      'reads its status',
      async (t, token, id) =>
        (await t.request({ method: 'GET', url: `/ssf/streams/status?stream_id=${id}`, token }))
          .statusCode,
    ],
    [
      'updates it',
      async (t, token, id) =>
        (
          await t.request({
            method: 'PATCH',
            url: '/ssf/streams',
            token,
            json: { stream_id: id, description: 'still here' },
          })
        ).statusCode,
    ],
    [
      'sets its status',
      async (t, token, id) =>
        (
          await t.request({
            method: 'POST',
            url: '/ssf/streams/status',
            token,
            json: { stream_id: id, status: 'paused' },
          })
        ).statusCode,
    ],
    [
      'asks for verification',
      async (t, token, id) =>
        (
          await t.request({
            method: 'POST',
            url: '/ssf/streams/verify',
            token,
            json: { stream_id: id },
          })
        ).statusCode,
    ],
    [
      'removes a subject',
      async (t, token, id) =>
        (
          await t.request({
            method: 'POST',
            url: '/ssf/streams/subjects:remove',
            token,
            json: { stream_id: id, subject: { format: 'opaque', id: 'x' } },
          })
        ).statusCode,
    ],
    [
      'adds a subject',
      async (t, token, id) =>
        (
          await t.request({
            method: 'POST',
            url: '/ssf/streams/subjects:add',
            token,
            json: { stream_id: id, subject: { format: 'opaque', id: 'x' } },
          })
        ).statusCode,
    ],
  ];
  for (const [what, call] of CALLS) {
    it(`keeps a stream whose receiver ${what}`, async () => {
      const t = await startTestApp({ config: { ssf: { inactivityTimeoutSeconds: TIMEOUT_S } } });
      let rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
      const stream = await new SpecReceiver(t, rs.token).createPollStream();
      t.clock.advance(50 * MINUTE_MS);
      rs = await refreshed(t, rs);
      expect(await call(t, rs.token, stream.id)).toBeLessThan(300);
      t.clock.advance(50 * MINUTE_MS);
      await t.services.ssf.prune();
      expect(await lastActivityOf(t, stream.id)).toBe(at(50 * MINUTE_MS));
    });
  }

  it('does not count listing every stream of the client as a word about each', async () => {
    const t = await startTestApp({ config: { ssf: { inactivityTimeoutSeconds: TIMEOUT_S } } });
    let rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const stream = await new SpecReceiver(t, rs.token).createPollStream();
    t.clock.advance(50 * MINUTE_MS);
    rs = await refreshed(t, rs);
    const listed = await t.request({ method: 'GET', url: '/ssf/streams', token: rs.token });
    expect(listed.json<{ stream_id: string }[]>().map((s) => s.stream_id)).toEqual([stream.id]);
    t.clock.advance(11 * MINUTE_MS);
    await t.services.ssf.prune();
    expect(await t.storage.repos.ssf.countStreams()).toBe(0);
  });

  it('writes a stream’s activity at most once a minute, whoever polls', async () => {
    const t = await startTestApp();
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const receiver = new SpecReceiver(t, rs.token);
    const stream = await receiver.createPollStream();
    expect(await lastActivityOf(t, stream.id)).toBe(START);
    const poll = async () =>
      expect((await receiver.poll(stream.pollUrl, { returnImmediately: true })).statusCode).toBe(
        200,
      );

    t.clock.advance(30 * 1000);
    await poll();
    expect(await lastActivityOf(t, stream.id)).toBe(START);
    t.clock.advance(30 * 1000);
    await poll();
    expect(await lastActivityOf(t, stream.id)).toBe(at(MINUTE_MS));
    t.clock.advance(59 * 1000);
    await poll();
    await poll();
    expect(await lastActivityOf(t, stream.id)).toBe(at(MINUTE_MS));
    // Another node that read the stream before this write does not write it again.
    const now = t.clock.now();
    expect(
      await t.storage.repos.ssf.touchActivity({
        id: stream.id,
        now: now.toISOString(),
        notBefore: new Date(now.getTime() - MINUTE_MS).toISOString(),
      }),
    ).toBe(false);
    t.clock.advance(1000);
    await poll();
    expect(await lastActivityOf(t, stream.id)).toBe(at(2 * MINUTE_MS));
  });
});

describe('Housekeeping racing a receiver', () => {
  it('keeps a stream whose receiver is heard between the look and the delete', async () => {
    const t = await startTestApp({ config: { ssf: { inactivityTimeoutSeconds: TIMEOUT_S } } });
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const stream = await new SpecReceiver(t, rs.token).createPollStream();
    t.clock.advance(2 * HOUR_MS);
    const now = t.clock.now();
    const cutoff = new Date(now.getTime() - TIMEOUT_S * 1000).toISOString();
    const repo = t.storage.repos.ssf;
    expect(await repo.idleStreams(cutoff, 10)).toEqual([
      { id: stream.id, clientId: rs.patId, deliveryMethod: POLL, lastActivityAt: START },
    ]);
    // A poll on another node lands first…
    expect(
      await repo.touchActivity({
        id: stream.id,
        now: now.toISOString(),
        notBefore: at(2 * HOUR_MS - MINUTE_MS),
      }),
    ).toBe(true);
    // …so the delete, which decides in one statement, leaves the stream alone.
    expect(await t.storage.transaction((repos) => repos.ssf.deleteIfIdle(stream.id, cutoff))).toBe(
      false,
    );
    expect(await repo.countStreams()).toBe(1);
  });
});

describe('Push streams and inactivity', () => {
  it('are kept while nothing waits for them, and deleted once a SET waits past the timeout', async () => {
    const t = await startTestApp({
      config: {
        ssf: { inactivityTimeoutSeconds: TIMEOUT_S },
        webhooks: { allowPrivateNetworks: true, allowHttp: true },
      },
    });
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const created = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: rs.token,
      json: {
        delivery: {
          method: PUSH,
          endpoint_url: 'http://127.0.0.1:9/events',
          authorization_header: 'Bearer rs-secret',
        },
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ stream_id: string }>().stream_id;
    // Nothing happens for two hours: a quiet transmitter is no fault of its receiver.
    t.clock.advance(2 * HOUR_MS);
    await t.services.ssf.prune();
    expect(await t.storage.repos.ssf.countStreams()).toBe(1);

    // Then a SET waits for it (here: one it never took and that was given up) …
    await t.storage.repos.ssf.insertEvents([
      {
        streamId: id,
        jti: 'a'.repeat(32),
        eventType: 'urn:example',
        setJwt: 'x.y.z',
        created: t.clock.now().toISOString(),
        nextAttemptAt: null,
      },
    ]);
    // … for exactly the timeout: kept; one moment more: deleted, with the SET, audited.
    t.clock.advance(TIMEOUT_S * 1000);
    await t.services.ssf.prune();
    expect(await t.storage.repos.ssf.countStreams()).toBe(1);
    t.clock.advance(1);
    await t.services.ssf.prune();
    expect(await t.storage.repos.ssf.countStreams()).toBe(0);
    expect(await setsOf(t, id)).toBe(0);
    const events = await deletedEvents(t);
    expect(events.map((e) => e.details)).toEqual([
      {
        streamId: id,
        clientId: rs.patId,
        reason: 'INACTIVE',
        lastActivityAt: START,
        inactivityTimeoutSeconds: TIMEOUT_S,
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('rs-secret');
  });

  it('counts a delivered SET as the receiver’s activity', async () => {
    const t = await startTestApp({
      config: { webhooks: { allowPrivateNetworks: true, allowHttp: true } },
    });
    const { createServer } = await import('node:http');
    let received = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.statusCode = 202;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
      const created = await t.request({
        method: 'POST',
        url: '/ssf/streams',
        token: rs.token,
        json: { delivery: { method: PUSH, endpoint_url: `http://127.0.0.1:${port}/events` } },
      });
      const id = created.json<{ stream_id: string }>().stream_id;
      t.clock.advance(5 * MINUTE_MS);
      const owner = await t.user({ name: 'Dev', login: 'dev' });
      await t.deletePat(owner.patId, owner.token);
      // Two SETs: the owner's PAT made, then deleted.
      const { met } = await pollUntil(() => Promise.resolve(received === 2), 5000);
      expect(met).toBe(true);
      const written = await pollUntil(
        async () => (await lastActivityOf(t, id)) === at(5 * MINUTE_MS),
        2000,
      );
      expect(written.met).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('DELETE /patina/v1/ssf-streams/{id} is audited', () => {
  it('records SSF_STREAM_DELETED with the administrator, stream, client and reason ADMIN', async () => {
    const t = await startTestApp({
      config: { webhooks: { allowPrivateNetworks: true, allowHttp: true } },
    });
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const created = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: rs.token,
      json: {
        delivery: {
          method: PUSH,
          endpoint_url: 'http://127.0.0.1:9/events',
          authorization_header: 'Bearer rs-secret',
        },
        description: 'orders API',
      },
    });
    const id = created.json<{ stream_id: string }>().stream_id;
    const deleted = await t.request({
      method: 'DELETE',
      url: `/patina/v1/ssf-streams/${id}`,
      token: t.admin.token,
      headers: { 'user-agent': 'patina-test' },
    });
    expect(deleted.statusCode).toBe(204);
    const events = await deletedEvents(t);
    expect(events).toEqual([
      {
        id: expect.any(String) as string,
        time: START,
        type: 'SSF_STREAM_DELETED',
        actor: { id: t.admin.identity.id, name: 'ada' },
        target: { type: 'SSF_STREAM', id, name: 'orders API' },
        outcome: 'SUCCESS',
        sourceIp: '127.0.0.1',
        userAgent: 'patina-test',
        trackingId: expect.any(String) as string,
        details: { streamId: id, clientId: rs.patId, reason: 'ADMIN' },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('rs-secret');

    // A delete that finds nothing records nothing.
    const again = await t.request({
      method: 'DELETE',
      url: `/patina/v1/ssf-streams/${id}`,
      token: t.admin.token,
    });
    expectSailPointError(again, 404, '404 Not found', `Stream '${id}' was not found`);
    expect(await deletedEvents(t)).toHaveLength(1);
  });
});
