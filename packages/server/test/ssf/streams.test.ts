import { describe, expect, it } from 'vitest';
import {
  expectSailPointError,
  ISSUER,
  START,
  startTestApp,
  UNKNOWN_ID,
  type TestApp,
} from '../helpers.js';
import { path, SpecReceiver } from './receiver.js';

const POLL = 'urn:ietf:rfc:8936';
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type';
const SSF = 'https://schemas.openid.net/secevent/ssf/event-type';
const SUPPORTED = [
  `${CAEP}/credential-change`,
  `${CAEP}/session-revoked`,
  `${CAEP}/token-claims-change`,
];
const START_SECONDS = Date.parse(START) / 1000;

async function receiverOf(t: TestApp, rights = ['ssf.manage']) {
  const user = await t.user({ name: 'Orders API', login: `orders-${rights.join('-')}`, rights });
  return { user, receiver: new SpecReceiver(t, user.token) };
}

describe('GET /.well-known/ssf-configuration (SSF 1.0 §7.1)', () => {
  it('describes the transmitter with SailPoint’s paths, no token needed', async () => {
    const t = await startTestApp();
    const res = await t.request({ method: 'GET', url: '/.well-known/ssf-configuration' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      spec_version: '1_0',
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/ssf/jwks`,
      delivery_methods_supported: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'],
      configuration_endpoint: `${ISSUER}/ssf/streams`,
      status_endpoint: `${ISSUER}/ssf/streams/status`,
      add_subject_endpoint: `${ISSUER}/ssf/streams/subjects:add`,
      remove_subject_endpoint: `${ISSUER}/ssf/streams/subjects:remove`,
      verification_endpoint: `${ISSUER}/ssf/streams/verify`,
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
      default_subjects: 'ALL',
    });
  });

  it('publishes RS256 keys of at least 2048 bits, not the access-token keys', async () => {
    const t = await startTestApp();
    const res = await t.request({ method: 'GET', url: '/ssf/jwks' });
    expect(res.statusCode).toBe(200);
    const { keys } = res.json<{ keys: { kty: string; alg: string; n: string; kid: string }[] }>();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(Buffer.from(keys[0]!.n, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
    const tokenKeys = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    const tokenKids = tokenKeys.json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid);
    expect(tokenKids).not.toContain(keys[0]!.kid);
  });
});

describe('Stream management (SSF 1.0 §8.1.1)', () => {
  it('creates (201), reads, updates, replaces and deletes a stream', async () => {
    const t = await startTestApp();
    const { user, receiver } = await receiverOf(t);
    const created = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: user.token,
      json: { delivery: { method: POLL }, description: 'orders API' },
    });
    expect(created.statusCode).toBe(201);
    const stream = created.json<{ stream_id: string }>();
    const id = stream.stream_id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const expected = {
      stream_id: id,
      iss: ISSUER,
      aud: user.patId,
      events_supported: SUPPORTED,
      events_requested: SUPPORTED,
      events_delivered: SUPPORTED,
      delivery: { method: POLL, endpoint_url: `${ISSUER}/ssf/poll/${id}` },
      min_verification_interval: 30,
      inactivity_timeout: 86400,
      description: 'orders API',
    };
    expect(stream).toEqual(expected);

    const read = await t.request({
      method: 'GET',
      url: `/ssf/streams?stream_id=${id}`,
      token: user.token,
    });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(expected);
    const all = await t.request({ method: 'GET', url: '/ssf/streams', token: user.token });
    expect(all.json()).toEqual([expected]);

    const patched = await t.request({
      method: 'PATCH',
      url: '/ssf/streams',
      token: user.token,
      headers: { 'content-type': 'application/json' },
      json: { stream_id: id, events_requested: [`${CAEP}/session-revoked`, 'urn:example:unknown'] },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toEqual({
      ...expected,
      events_requested: [`${CAEP}/session-revoked`, 'urn:example:unknown'],
      events_delivered: [`${CAEP}/session-revoked`],
    });

    // PUT replaces: what is not sent goes back to its default (the description is dropped).
    const replaced = await t.request({
      method: 'PUT',
      url: '/ssf/streams',
      token: user.token,
      json: { stream_id: id, delivery: { method: POLL } },
    });
    expect(replaced.statusCode).toBe(200);
    const withoutDescription: Partial<typeof expected> = { ...expected };
    delete withoutDescription.description;
    expect(replaced.json()).toEqual(withoutDescription);

    const deleted = await t.request({
      method: 'DELETE',
      url: `/ssf/streams?stream_id=${id}`,
      token: user.token,
    });
    expect(deleted.statusCode).toBe(204);
    const gone = await t.request({
      method: 'GET',
      url: `/ssf/streams?stream_id=${id}`,
      token: user.token,
    });
    expectSailPointError(gone, 404, '404 Not found', `Stream '${id}' was not found`);
    void receiver;
  });

  it('shows a stream only to the client that made it', async () => {
    const t = await startTestApp();
    const { receiver } = await receiverOf(t);
    const stream = await receiver.createPollStream();
    const other = await t.user({ name: 'Billing API', login: 'billing', rights: ['ssf.manage'] });
    const res = await t.request({
      method: 'GET',
      url: `/ssf/streams?stream_id=${stream.id}`,
      token: other.token,
    });
    expectSailPointError(res, 404, '404 Not found', `Stream '${stream.id}' was not found`);
    const list = await t.request({ method: 'GET', url: '/ssf/streams', token: other.token });
    expect(list.json()).toEqual([]);
  });

  it('needs ssf.manage to create and ssf.read to read', async () => {
    const t = await startTestApp();
    const plain = await t.user({ name: 'Plain', login: 'plain' });
    const refused = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: plain.token,
      json: {},
    });
    expectSailPointError(
      refused,
      403,
      '403 Forbidden',
      'Creating a Shared Signals stream needs the right ssf.manage',
    );
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer realm="patina", error="insufficient_scope", scope="ssf.manage"',
    );
    const reader = await t.user({ name: 'Reader', login: 'reader', rights: ['ssf.read'] });
    const read = await t.request({ method: 'GET', url: '/ssf/streams', token: reader.token });
    expect(read.statusCode).toBe(200);
    const create = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: reader.token,
      json: {},
    });
    expect(create.statusCode).toBe(403);
    const anonymous = await t.request({ method: 'GET', url: '/ssf/streams' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const t = await startTestApp();
    const { user } = await receiverOf(t);
    const unknown = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: user.token,
      json: { color: 'red' },
    });
    expectSailPointError(
      unknown,
      400,
      '400.1 Bad Request Content',
      "Unknown field 'color': this resource has no such field",
    );
    const privateUrl = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: user.token,
      json: { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'https://10.0.0.1/events' } },
    });
    expectSailPointError(
      privateUrl,
      400,
      '400.1.3 Illegal value',
      "'delivery.endpoint_url' must reach a public address: 10.0.0.1 is private, loopback or reserved (webhooks.allowPrivateNetworks)",
    );
    const noId = await t.request({ method: 'GET', url: '/ssf/streams/status', token: user.token });
    expectSailPointError(
      noId,
      400,
      '400.1.0 Required Data Missing Or Empty',
      "Required query parameter 'stream_id' is missing",
    );
    const unknownStream = await t.request({
      method: 'GET',
      url: `/ssf/streams/status?stream_id=${UNKNOWN_ID}`,
      token: user.token,
    });
    expectSailPointError(
      unknownStream,
      404,
      '404 Not found',
      `Stream '${UNKNOWN_ID}' was not found`,
    );
  });
});

describe('Status and verification (SSF 1.0 §8.1.2, §8.1.4)', () => {
  it('pauses and enables a stream, telling the receiver with stream-updated', async () => {
    const t = await startTestApp();
    const { user, receiver } = await receiverOf(t);
    const stream = await receiver.createPollStream();
    const status = await t.request({
      method: 'GET',
      url: `/ssf/streams/status?stream_id=${stream.id}`,
      token: user.token,
    });
    expect(status.json()).toEqual({ stream_id: stream.id, status: 'enabled' });
    const paused = await t.request({
      method: 'POST',
      url: '/ssf/streams/status',
      token: user.token,
      json: { stream_id: stream.id, status: 'paused', reason: 'maintenance' },
    });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toEqual({
      stream_id: stream.id,
      status: 'paused',
      reason: 'maintenance',
    });
    // Paused: events are held, not delivered.
    expect(await receiver.drain(stream)).toEqual([]);
    await t.request({
      method: 'POST',
      url: '/ssf/streams/status',
      token: user.token,
      json: { stream_id: stream.id, status: 'enabled' },
    });
    const sets = await receiver.drain(stream);
    expect(sets.map((s) => [s.type, s.event, s.payload.sub_id])).toEqual([
      [
        `${SSF}/stream-updated`,
        { status: 'paused', reason: 'maintenance' },
        { format: 'opaque', id: stream.id },
      ],
      [`${SSF}/stream-updated`, { status: 'enabled' }, { format: 'opaque', id: stream.id }],
    ]);
  });

  it('sends a verification event with the receiver’s state, once per min_verification_interval', async () => {
    const t = await startTestApp();
    const { user, receiver } = await receiverOf(t);
    const stream = await receiver.createPollStream();
    const verify = () =>
      t.request({
        method: 'POST',
        url: '/ssf/streams/verify',
        token: user.token,
        json: { stream_id: stream.id, state: 'abc123' },
      });
    expect((await verify()).statusCode).toBe(204);
    const again = await verify();
    expect(again.statusCode).toBe(429);
    expect(again.headers['retry-after']).toBe('30');
    t.clock.advance(30_000);
    expect((await verify()).statusCode).toBe(204);
    const sets = await receiver.drain(stream);
    expect(sets.map((s) => [s.type, s.event])).toEqual([
      [`${SSF}/verification`, { state: 'abc123' }],
      [`${SSF}/verification`, { state: 'abc123' }],
    ]);
  });
});

describe('Events of PATs and identities, polled and acknowledged (RFC 8936)', () => {
  it('tells of a deleted PAT with CAEP credential-change, and forgets it once acknowledged', async () => {
    const t = await startTestApp();
    const { receiver } = await receiverOf(t);
    const owner = await t.user({ name: 'Dev', login: 'dev' });
    const stream = await receiver.createPollStream();
    expect((await t.deletePat(owner.patId, owner.token)).statusCode).toBe(204);
    const sets = await receiver.drain(stream);
    expect(sets).toHaveLength(1);
    expect(sets[0]!.payload).toMatchObject({
      iss: ISSUER,
      aud: stream.aud,
      iat: START_SECONDS,
      sub_id: { format: 'opaque', id: owner.patId },
    });
    expect(sets[0]!.type).toBe(`${CAEP}/credential-change`);
    expect(sets[0]!.event).toEqual({
      credential_type: 'personal-access-token',
      change_type: 'delete',
      friendly_name: 'login',
      event_timestamp: START_SECONDS,
      initiating_entity: 'user',
      reason_admin: { en: 'Personal access token deleted by its owner' },
    });
    // Acknowledged: never sent again.
    expect(await receiver.drain(stream)).toEqual([]);
  });

  it('tells of a rotation with credential-change update, carrying the end of its grace window', async () => {
    const t = await startTestApp();
    const { receiver } = await receiverOf(t);
    const owner = await t.user({ name: 'Dev', login: 'dev' });
    const stream = await receiver.createPollStream();
    const rotate = (gracePeriodSeconds: number) =>
      t.request({
        method: 'POST',
        url: `/patina/v1/personal-access-tokens/${owner.patId}/rotate`,
        token: t.admin.token,
        json: { gracePeriodSeconds },
      });
    expect((await rotate(600)).statusCode).toBe(200);
    t.clock.advance(1500);
    expect((await rotate(0)).statusCode).toBe(200);
    const sets = await receiver.drain(stream);
    expect(sets.map((s) => [s.type, s.payload.sub_id, s.event])).toEqual([
      [
        `${CAEP}/credential-change`,
        { format: 'opaque', id: owner.patId },
        {
          credential_type: 'personal-access-token',
          change_type: 'update',
          friendly_name: 'login',
          event_timestamp: START_SECONDS,
          initiating_entity: 'admin',
          reason_admin: { en: 'Personal access token rotated by an administrator' },
          previous_secret_valid_until: START_SECONDS + 600,
        },
      ],
      [
        `${CAEP}/credential-change`,
        { format: 'opaque', id: owner.patId },
        {
          credential_type: 'personal-access-token',
          change_type: 'update',
          friendly_name: 'login',
          event_timestamp: START_SECONDS + 1.5,
          initiating_entity: 'admin',
          reason_admin: { en: 'Personal access token rotated by an administrator' },
        },
      ],
    ]);
  });

  it('tells of a disabled identity with session-revoked by iss and sub, and of each of its PATs', async () => {
    const t = await startTestApp();
    const { receiver } = await receiverOf(t);
    const owner = await t.user({ name: 'Dev', login: 'dev' });
    const stream = await receiver.createPollStream();
    expect((await t.patchIdentity(owner.identity.id, { status: 'DISABLED' })).statusCode).toBe(200);
    const sets = await receiver.drain(stream);
    expect(sets.map((s) => [s.type, s.payload.sub_id, s.event])).toEqual([
      [
        `${CAEP}/session-revoked`,
        { format: 'iss_sub', iss: ISSUER, sub: owner.identity.id },
        {
          event_timestamp: START_SECONDS,
          initiating_entity: 'admin',
          reason_admin: { en: 'Identity disabled by an administrator' },
        },
      ],
      [
        `${CAEP}/credential-change`,
        { format: 'opaque', id: owner.patId },
        {
          credential_type: 'personal-access-token',
          change_type: 'update',
          event_timestamp: START_SECONDS,
          initiating_entity: 'admin',
          reason_admin: {
            en: 'Personal access token suspended: its owner was disabled by an administrator',
          },
        },
      ],
    ]);
    // Disabling it again tells nothing new.
    expect((await t.patchIdentity(owner.identity.id, { status: 'DISABLED' })).statusCode).toBe(200);
    expect(
      (await receiver.drain(stream)).filter((s) => s.type === `${CAEP}/credential-change`),
    ).toEqual([]);
  });

  it('tells of new scopes with credential-change and token-claims-change, one txn', async () => {
    const t = await startTestApp();
    const { receiver } = await receiverOf(t);
    const stream = await receiver.createPollStream();
    const created = await t.postPat({ name: 'ci', scope: ['sp:my-personal-access-tokens:read'] });
    const patId = created.json<{ id: string }>().id;
    const patched = await t.request({
      method: 'PATCH',
      url: `/v3/personal-access-tokens/${patId}`,
      token: t.admin.token,
      json: [{ op: 'replace', path: '/scope', value: ['orders:read'] }],
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const sets = await receiver.drain(stream);
    expect(sets.map((s) => [s.type, s.event.change_type ?? s.event.claims])).toEqual([
      [`${CAEP}/credential-change`, 'create'],
      [`${CAEP}/credential-change`, 'update'],
      [`${CAEP}/token-claims-change`, { scope: 'orders:read' }],
    ]);
    expect(sets[1]!.payload.txn).toBe(sets[2]!.payload.txn);
    expect(sets[0]!.payload.txn).not.toBe(sets[1]!.payload.txn);
  });

  it('sends each stream only the event types it asked for, and not of removed subjects', async () => {
    const t = await startTestApp();
    const { user, receiver } = await receiverOf(t);
    const a = await t.user({ name: 'A', login: 'a' });
    const b = await t.user({ name: 'B', login: 'b' });
    const sessions = await receiver.createPollStream([`${CAEP}/session-revoked`]);
    const everything = await receiver.createPollStream();
    const removed = await t.request({
      method: 'POST',
      url: '/ssf/streams/subjects:remove',
      token: user.token,
      json: { stream_id: everything.id, subject: { format: 'opaque', id: a.patId } },
    });
    expect(removed.statusCode).toBe(204);
    await t.deletePat(a.patId, a.token);
    await t.deletePat(b.patId, b.token);
    expect(await receiver.drain(sessions)).toEqual([]);
    const sets = await receiver.drain(everything);
    expect(sets.map((s) => s.payload.sub_id)).toEqual([{ format: 'opaque', id: b.patId }]);
    // Added back: told again.
    const added = await t.request({
      method: 'POST',
      url: '/ssf/streams/subjects:add',
      token: user.token,
      json: { stream_id: everything.id, subject: { format: 'opaque', id: a.patId } },
    });
    expect(added.statusCode).toBe(200);
  });

  it('holds a poll until an event is queued (long polling), and says moreAvailable', async () => {
    const t = await startTestApp();
    const { receiver } = await receiverOf(t);
    const stream = await receiver.createPollStream();
    const owner = await t.user({ name: 'Dev', login: 'dev' });
    const waiting = receiver.poll(stream.pollUrl, {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.deletePat(owner.patId, owner.token);
    const res = await waiting;
    expect(res.statusCode).toBe(200);
    const body = res.json<{ sets: Record<string, string>; moreAvailable: boolean }>();
    expect(Object.keys(body.sets)).toHaveLength(1);
    expect(body.moreAvailable).toBe(false);

    const second = await t.user({ name: 'Dev 2', login: 'dev2' });
    await t.deletePat(second.patId, second.token);
    const one = await receiver.poll(stream.pollUrl, { maxEvents: 1, returnImmediately: true });
    expect(one.json<{ moreAvailable: boolean }>().moreAvailable).toBe(true);
    void path;
  });
});
