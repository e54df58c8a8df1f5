import { describe, expect, it } from 'vitest';
import { expectSailPointError, ILLEGAL, startTestApp, type TestApp } from '../helpers.js';
import { SpecReceiver } from './receiver.js';

const POLL = 'urn:ietf:rfc:8936';
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type';
const SUPPORTED = [
  `${CAEP}/credential-change`,
  `${CAEP}/session-revoked`,
  `${CAEP}/token-claims-change`,
];
const LIMIT = '400.1.4 Limit violation';

async function client(t: TestApp, login: string) {
  return t.user({ name: login, login, rights: ['ssf.manage'] });
}

function createStream(t: TestApp, token: string, json: Record<string, unknown> = {}) {
  return t.request({
    method: 'POST',
    url: '/ssf/streams',
    token,
    json: { delivery: { method: POLL }, ...json },
  });
}

async function streamRows(t: TestApp) {
  return t.storage.db.selectFrom('ssf_streams').select(['id', 'client_id']).execute();
}

describe('Stream limits (ssf.maxStreamsPerClient, ssf.maxStreams)', () => {
  it('refuses a client’s stream past ssf.maxStreamsPerClient with a 400, and stores nothing', async () => {
    const t = await startTestApp({ config: { ssf: { maxStreamsPerClient: 2 } } });
    const a = await client(t, 'orders');
    expect((await createStream(t, a.token)).statusCode).toBe(201);
    expect((await createStream(t, a.token)).statusCode).toBe(201);
    const refused = await createStream(t, a.token, { description: 'third' });
    expectSailPointError(
      refused,
      400,
      LIMIT,
      'This client already has the maximum of 2 Shared Signals streams (ssf.maxStreamsPerClient)',
    );
    expect(await streamRows(t)).toHaveLength(2);
    // Another client has limits of its own.
    const b = await client(t, 'billing');
    expect((await createStream(t, b.token)).statusCode).toBe(201);
    // A deleted stream frees its place.
    const [first] = await streamRows(t);
    const deleted = await t.request({
      method: 'DELETE',
      url: `/ssf/streams?stream_id=${first!.id}`,
      token: a.token,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await createStream(t, a.token)).statusCode).toBe(201);
  });

  it('refuses any stream past ssf.maxStreams with a 400, and stores nothing', async () => {
    const t = await startTestApp({ config: { ssf: { maxStreams: 3, maxStreamsPerClient: 2 } } });
    const a = await client(t, 'orders');
    const b = await client(t, 'billing');
    for (const token of [a.token, a.token, b.token]) {
      expect((await createStream(t, token)).statusCode).toBe(201);
    }
    expectSailPointError(
      await createStream(t, b.token),
      400,
      LIMIT,
      'Patina already holds the maximum of 3 Shared Signals streams (ssf.maxStreams)',
    );
    expect(await streamRows(t)).toHaveLength(3);
  });

  it('holds the limit when creates race', async () => {
    const t = await startTestApp({ config: { ssf: { maxStreamsPerClient: 3 } } });
    const a = await client(t, 'orders');
    const answers = await Promise.all(Array.from({ length: 8 }, () => createStream(t, a.token)));
    expect(answers.filter((r) => r.statusCode === 201)).toHaveLength(3);
    expect(answers.filter((r) => r.statusCode === 400)).toHaveLength(5);
    expect(await streamRows(t)).toHaveLength(3);
  });
});

describe('Stream configuration budget (ssf.maxStreamConfigurationBytes)', () => {
  it('refuses a stream whose stored configuration is over the budget, naming the largest member', async () => {
    const t = await startTestApp({ config: { ssf: { maxStreamConfigurationBytes: 1024 } } });
    const a = await client(t, 'orders');
    // 600 two-byte characters: the budget counts UTF-8 bytes, not characters.
    const description = 'é'.repeat(600);
    const total = 1200 + Buffer.byteLength(JSON.stringify(SUPPORTED));
    const refused = await createStream(t, a.token, { description });
    expectSailPointError(
      refused,
      400,
      ILLEGAL,
      `'description' takes the stream's configuration to ${total} bytes; a stream may keep at most 1024 (ssf.maxStreamConfigurationBytes)`,
    );
    expect(await streamRows(t)).toEqual([]);

    const events = Array.from({ length: 20 }, (_, i) => `urn:example:event:${i}:${'x'.repeat(40)}`);
    const tooMany = await createStream(t, a.token, { events_requested: events });
    expectSailPointError(
      tooMany,
      400,
      ILLEGAL,
      `'events_requested' takes the stream's configuration to ${Buffer.byteLength(JSON.stringify(events))} bytes; a stream may keep at most 1024 (ssf.maxStreamConfigurationBytes)`,
    );
    expect(await streamRows(t)).toEqual([]);

    // Within it: made. A PATCH that would take it over is refused and changes nothing.
    const created = await createStream(t, a.token, { description: 'orders API' });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ stream_id: string }>().stream_id;
    const patched = await t.request({
      method: 'PATCH',
      url: '/ssf/streams',
      token: a.token,
      json: { stream_id: id, description },
    });
    expectSailPointError(
      patched,
      400,
      ILLEGAL,
      `'description' takes the stream's configuration to ${total} bytes; a stream may keep at most 1024 (ssf.maxStreamConfigurationBytes)`,
    );
    const read = await t.request({
      method: 'GET',
      url: `/ssf/streams?stream_id=${id}`,
      token: a.token,
    });
    expect(read.json<{ description: string }>().description).toBe('orders API');
  });
});

describe('A PAT write with many streams', () => {
  it('logs one change per PAT write, whatever the number of streams, and signs nothing', async () => {
    const t = await startTestApp({ config: { ssf: { maxStreams: 2000 } } });
    const rs = await client(t, 'orders');
    const receiver = new SpecReceiver(t, rs.token);
    const polled = await receiver.createPollStream();
    const count = async () => ({
      changes: Number(
        (
          await t.storage.db
            .selectFrom('ssf_changes')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      sets: Number(
        (
          await t.storage.db
            .selectFrom('ssf_events')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    });
    let writes = 0;
    const createAndDelete = async () => {
      const created = await t.postPat({ name: `ci-${++writes}` });
      expect(created.statusCode).toBe(200);
      expect((await t.deletePat(created.json<{ id: string }>().id)).statusCode).toBe(204);
    };

    // One stream: one change per write, no SET until the stream is read.
    const before = await count();
    await createAndDelete();
    const withOne = await count();
    expect(withOne).toEqual({ changes: before.changes + 2, sets: before.sets });

    // 1,000 more streams (written straight to storage: the limits are not what is tested here).
    const now = t.clock.now().toISOString();
    await t.storage.db
      .insertInto('ssf_streams')
      .values(
        Array.from({ length: 1000 }, (_, i) => ({
          id: i.toString(16).padStart(32, '0'),
          client_id: rs.patId,
          audience: rs.patId,
          events_requested: JSON.stringify(SUPPORTED),
          delivery_method: POLL,
          endpoint_url: null,
          authorization_header_enc: null,
          description: null,
          status: 'enabled',
          status_reason: null,
          last_verification: null,
          created: now,
          modified: now,
        })),
      )
      .execute();
    expect(await t.storage.repos.ssf.countStreams()).toBe(1001);
    await createAndDelete();
    expect(await count()).toEqual({ changes: withOne.changes + 2, sets: withOne.sets });

    // Read, a stream gets its SETs then, signed for it: both writes' create and delete.
    const sets = await receiver.drain(polled);
    expect(sets.map((s) => s.event.change_type)).toEqual(['create', 'delete', 'create', 'delete']);
  });
});
