import { describe, expect, it } from 'vitest';
import { expectSailPointError, START, startTestApp, UNKNOWN_ID } from '../helpers.js';
import { SpecReceiver } from './receiver.js';

const POLL = 'urn:ietf:rfc:8936';
const PUSH = 'urn:ietf:rfc:8935';
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type';
const SUPPORTED = [
  `${CAEP}/credential-change`,
  `${CAEP}/session-revoked`,
  `${CAEP}/token-claims-change`,
];
const BASE = '/patina/v1/ssf-streams';

describe('GET /patina/v1/ssf-streams', () => {
  it('lists every client’s streams for an administrator, oldest first, paged', async () => {
    const t = await startTestApp({
      config: { webhooks: { allowPrivateNetworks: true, allowHttp: true } },
    });
    const orders = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const billing = await t.user({ name: 'Billing', login: 'billing', rights: ['ssf.manage'] });
    const first = await new SpecReceiver(t, orders.token).createPollStream();
    t.clock.advance(1000);
    const pushed = await t.request({
      method: 'POST',
      url: '/ssf/streams',
      token: billing.token,
      json: {
        delivery: {
          method: PUSH,
          endpoint_url: 'http://127.0.0.1:9/events',
          authorization_header: 'Bearer rs-secret',
        },
        events_requested: [`${CAEP}/session-revoked`],
        description: 'billing',
      },
    });
    expect(pushed.statusCode).toBe(201);
    const second = pushed.json<{ stream_id: string }>().stream_id;
    // The orders PAT ends: its stream is listed as inactive until housekeeping removes it.
    expect((await t.deletePat(orders.patId)).statusCode).toBe(204);

    const res = await t.request({ method: 'GET', url: `${BASE}?count=true`, token: t.admin.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-total-count']).toBe('2');
    const later = new Date(Date.parse(START) + 1000).toISOString();
    expect(res.json()).toEqual([
      {
        id: first.id,
        clientId: orders.patId,
        ownerId: orders.identity.id,
        active: false,
        deliveryMethod: POLL,
        endpointUrl: null,
        eventsRequested: SUPPORTED,
        description: null,
        status: 'enabled',
        statusReason: null,
        created: START,
        modified: START,
      },
      {
        id: second,
        clientId: billing.patId,
        ownerId: billing.identity.id,
        active: true,
        deliveryMethod: PUSH,
        endpointUrl: 'http://127.0.0.1:9/events',
        eventsRequested: [`${CAEP}/session-revoked`],
        description: 'billing',
        status: 'enabled',
        statusReason: null,
        created: later,
        modified: later,
      },
    ]);
    // The receiver's Authorization header is never answered.
    expect(res.body).not.toContain('rs-secret');

    const page = await t.request({
      method: 'GET',
      url: `${BASE}?limit=1&offset=1`,
      token: t.admin.token,
    });
    expect(page.json<{ id: string }[]>().map((s) => s.id)).toEqual([second]);
    expect(page.headers['x-total-count']).toBeUndefined();
    const bad = await t.request({ method: 'GET', url: `${BASE}?limit=251`, token: t.admin.token });
    expect(bad.statusCode).toBe(400);
  });

  it('is refused (403) to a caller without the all-read right, even with ssf.manage', async () => {
    const t = await startTestApp();
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const res = await t.request({ method: 'GET', url: BASE, token: rs.token });
    expectSailPointError(
      res,
      403,
      '403 Forbidden',
      'Listing Shared Signals streams needs the right sp:all-personal-access-tokens:read',
    );
  });
});

describe('DELETE /patina/v1/ssf-streams/{id}', () => {
  it('deletes any client’s stream with its SETs (204), then 404', async () => {
    const t = await startTestApp();
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const receiver = new SpecReceiver(t, rs.token);
    const stream = await receiver.createPollStream();
    const kept = await receiver.createPollStream();
    const verified = await t.request({
      method: 'POST',
      url: '/ssf/streams/verify',
      token: rs.token,
      json: { stream_id: stream.id },
    });
    expect(verified.statusCode).toBe(204);

    const deleted = await t.request({
      method: 'DELETE',
      url: `${BASE}/${stream.id}`,
      token: t.admin.token,
    });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    const events = await t.storage.db
      .selectFrom('ssf_events')
      .select('stream_id')
      .where('stream_id', '=', stream.id)
      .execute();
    expect(events).toEqual([]);
    // Gone for its receiver too; the other stream stays.
    const read = await t.request({
      method: 'GET',
      url: `/ssf/streams?stream_id=${stream.id}`,
      token: rs.token,
    });
    expectSailPointError(read, 404, '404 Not found', `Stream '${stream.id}' was not found`);
    const list = await t.request({ method: 'GET', url: BASE, token: t.admin.token });
    expect(list.json<{ id: string }[]>().map((s) => s.id)).toEqual([kept.id]);

    const again = await t.request({
      method: 'DELETE',
      url: `${BASE}/${stream.id}`,
      token: t.admin.token,
    });
    expectSailPointError(again, 404, '404 Not found', `Stream '${stream.id}' was not found`);
    const notAnId = await t.request({
      method: 'DELETE',
      url: `${BASE}/not-an-id`,
      token: t.admin.token,
    });
    expectSailPointError(
      notAnId,
      404,
      '404 Not found',
      'Stream was not found: the id is not 32 lowercase hex characters',
    );
  });

  it('is refused (403) to a caller without the all-manage right, and deletes nothing', async () => {
    const t = await startTestApp();
    const rs = await t.user({ name: 'Orders', login: 'orders', rights: ['ssf.manage'] });
    const stream = await new SpecReceiver(t, rs.token).createPollStream();
    const auditor = await t.user({ name: 'Auditor', login: 'auditor', roles: ['AUDITOR'] });
    for (const token of [rs.token, auditor.token]) {
      const res = await t.request({ method: 'DELETE', url: `${BASE}/${stream.id}`, token });
      expectSailPointError(
        res,
        403,
        '403 Forbidden',
        'Deleting a Shared Signals stream needs the right sp:all-personal-access-tokens:manage',
      );
    }
    expect(await t.storage.repos.ssf.countStreams()).toBe(1);
    const unknown = await t.request({
      method: 'DELETE',
      url: `${BASE}/${UNKNOWN_ID}`,
      token: t.admin.token,
    });
    expect(unknown.statusCode).toBe(404);
  });
});
