import { describe, expect, it } from 'vitest';
import {
  expectRefused,
  HEX32,
  ILLEGAL,
  MISSING,
  startTestApp,
  UNKNOWN_ID,
  type TestApp,
} from '../helpers.js';
import { deliver, LOCAL_WEBHOOKS, Receiver, subscribe } from './receivers.js';

const WEBHOOKS = '/patina/v1/webhooks';
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

function create(t: TestApp, json: unknown, token = t.admin.token) {
  return t.request({ method: 'POST', url: WEBHOOKS, token, json });
}

describe('POST /patina/v1/webhooks', () => {
  it('creates an endpoint and shows its signing secret in this answer only', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const res = await create(t, {
      url: 'http://127.0.0.1:9/hook',
      events: ['personal_access_token.created', 'identity.disabled'],
      description: 'SIEM',
    });
    expect(res.statusCode).toBe(201);
    const body = res.json<Record<string, unknown>>();
    expect(body).toEqual({
      id: expect.stringMatching(HEX32) as unknown,
      url: 'http://127.0.0.1:9/hook',
      description: 'SIEM',
      events: ['personal_access_token.created', 'identity.disabled'],
      enabled: true,
      disabledReason: null,
      failingSince: null,
      previousSecretExpiresAt: null,
      created: '2026-01-15T10:00:00.000Z',
      modified: '2026-01-15T10:00:00.000Z',
      secret: expect.stringMatching(SECRET) as unknown,
    });
    const { secret, ...shown } = body;
    const got = await t.request({
      method: 'GET',
      url: `${WEBHOOKS}/${body.id as string}`,
      token: t.admin.token,
    });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(shown);
    const list = await t.request({
      method: 'GET',
      url: `${WEBHOOKS}?count=true`,
      token: t.admin.token,
    });
    expect(list.json()).toEqual([shown]);
    expect(list.headers['x-total-count']).toBe('1');
    // Never stored in the clear, never in the audit trail.
    const rows = JSON.stringify(await t.storage.db.selectFrom('webhooks').selectAll().execute());
    const audit = JSON.stringify(await t.auditEvents());
    for (const text of [rows, audit, got.body, list.body]) {
      expect(text).not.toContain(secret as string);
      expect(text).not.toContain((secret as string).slice(6));
    }
    expect(
      (await t.auditEvents('WEBHOOK_CREATED')).map((e) => JSON.parse(e.details) as unknown),
    ).toEqual([{ url: 'http://127.0.0.1:9/hook', events: body.events, enabled: true }]);
  });

  it.each([
    {
      why: 'an http URL (webhooks.allowHttp is off)',
      json: { url: 'http://hooks.example.com/x', events: ['identity.created'] },
      code: ILLEGAL,
      text: "'url' must be https: this deployment does not allow plain http (webhooks.allowHttp)",
    },
    {
      why: 'a loopback address (webhooks.allowPrivateNetworks is off)',
      json: { url: 'https://127.0.0.1/x', events: ['identity.created'] },
      code: ILLEGAL,
      text: "'url' must reach a public address: 127.0.0.1 is private, loopback or reserved (webhooks.allowPrivateNetworks)",
    },
    {
      why: 'a private address',
      json: { url: 'https://10.1.2.3/x', events: ['identity.created'] },
      code: ILLEGAL,
      text: "'url' must reach a public address: 10.1.2.3 is private, loopback or reserved (webhooks.allowPrivateNetworks)",
    },
    {
      why: 'the cloud metadata address',
      json: { url: 'https://169.254.169.254/latest', events: ['identity.created'] },
      code: ILLEGAL,
      text: "'url' must reach a public address: 169.254.169.254 is private, loopback or reserved (webhooks.allowPrivateNetworks)",
    },
    {
      why: 'an IPv4-mapped IPv6 loopback',
      json: { url: 'https://[::ffff:127.0.0.1]/x', events: ['identity.created'] },
      code: ILLEGAL,
      text: "'url' must reach a public address: ::ffff:7f00:1 is private, loopback or reserved (webhooks.allowPrivateNetworks)",
    },
    {
      why: 'an IPv4-compatible IPv6 literal of the metadata address',
      json: { url: 'https://[::a9fe:a9fe]/x', events: ['identity.created'] },
      code: ILLEGAL,
      text: "'url' must reach a public address: ::a9fe:a9fe is private, loopback or reserved (webhooks.allowPrivateNetworks)",
    },
    {
      why: 'a local-use NAT64 IPv6 literal',
      json: { url: 'https://[64:ff9b:1::a9fe:a9fe]/x', events: ['identity.created'] },
      code: ILLEGAL,
      text: "'url' must reach a public address: 64:ff9b:1::a9fe:a9fe is private, loopback or reserved (webhooks.allowPrivateNetworks)",
    },
    {
      why: 'a name that resolves to loopback',
      json: { url: 'https://localhost/x', events: ['identity.created'] },
      code: ILLEGAL,
      text: /^'url' must reach a public address: (127\.0\.0\.1|::1) is private, loopback or reserved/,
    },
    {
      why: 'credentials in the URL',
      json: { url: 'https://user:pw@hooks.example.com/x', events: ['identity.created'] },
      code: ILLEGAL,
      text: "'url' must not carry a user name or password: receivers verify Patina by its signature",
    },
    {
      why: 'a URL that is not one',
      json: { url: 'hooks.example.com', events: ['identity.created'] },
      code: ILLEGAL,
      text: "'url' must be an absolute URL such as https://hooks.example.com/patina",
    },
    {
      why: 'an unknown event type',
      json: { url: 'https://hooks.example.com/x', events: ['pat.created'] },
      code: ILLEGAL,
      text: /^'events\[0\]' must be one of: personal_access_token.created, /,
    },
    {
      why: 'no events',
      json: { url: 'https://hooks.example.com/x', events: [] },
      code: ILLEGAL,
      text: /events/,
    },
    {
      why: 'no url',
      json: { events: ['identity.created'] },
      code: MISSING,
      text: /url/,
    },
  ])(
    'refuses $why with a 400 naming the field and writes nothing',
    async ({ json, code, text }) => {
      const t = await startTestApp();
      await expectRefused(t, () => create(t, json), [400, code, text]);
      expect(await t.storage.db.selectFrom('webhooks').selectAll().execute()).toEqual([]);
    },
  );

  // Issue 21, item 12: every endpoint is sent a signed copy of each event it takes.
  it('refuses one webhook over webhooks.maxWebhooks with a 400 and stores nothing', async () => {
    const t = await startTestApp({
      config: { webhooks: { ...LOCAL_WEBHOOKS.webhooks, maxWebhooks: 2 } },
    });
    const hook = (n: number) => ({
      url: `http://127.0.0.1:9/hook-${n}`,
      events: ['identity.created'],
    });
    expect((await create(t, hook(1))).statusCode).toBe(201);
    expect((await create(t, hook(2))).statusCode).toBe(201);
    await expectRefused(t, () => create(t, hook(3)), [
      400,
      '400.1.4 Limit violation',
      'Patina already holds the maximum of 2 webhooks (webhooks.maxWebhooks)',
    ]);
    expect(await t.storage.db.selectFrom('webhooks').selectAll().execute()).toHaveLength(2);
    // A place freed by a delete can be taken again.
    const [first] = await t.storage.db.selectFrom('webhooks').select('id').orderBy('url').execute();
    const deleted = await t.request({
      method: 'DELETE',
      url: `${WEBHOOKS}/${first!.id}`,
      token: t.admin.token,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await create(t, hook(3))).statusCode).toBe(201);
  });

  it('counts concurrent creates one after the other: never more than webhooks.maxWebhooks', async () => {
    const t = await startTestApp({
      config: { webhooks: { ...LOCAL_WEBHOOKS.webhooks, maxWebhooks: 3 } },
    });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        create(t, { url: `http://127.0.0.1:9/hook-${n}`, events: ['identity.created'] }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([
      201, 201, 201, 400, 400, 400, 400, 400,
    ]);
    expect(await t.storage.db.selectFrom('webhooks').selectAll().execute()).toHaveLength(3);
  });

  it('is for administrators: a USER is refused with 403 naming the right', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const user = await t.user({ name: 'Ursula', login: 'ursula' });
    await expectRefused(
      t,
      () => create(t, { url: 'http://127.0.0.1:9/x', events: ['identity.created'] }, user.token),
      [
        403,
        '403 Forbidden',
        'Managing webhooks needs the right sp:all-personal-access-tokens:manage',
      ],
    );
    const list = await t.request({ method: 'GET', url: WEBHOOKS, token: user.token });
    expect(list.statusCode).toBe(403);
    expect(list.json<{ messages: { text: string }[] }>().messages[0]!.text).toBe(
      'Reading webhooks needs the right sp:all-personal-access-tokens:read',
    );
  });

  it('lets an auditor (all-read) read webhooks but not change them', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const auditor = await t.user({ name: 'Audrey', login: 'audrey', roles: ['AUDITOR'] });
    const receiver = await Receiver.start(t.clock);
    const { id } = await subscribe(t, receiver, ['identity.created']);
    const got = await t.request({ method: 'GET', url: `${WEBHOOKS}/${id}`, token: auditor.token });
    expect(got.statusCode).toBe(200);
    const test = await t.request({
      method: 'POST',
      url: `${WEBHOOKS}/${id}/test`,
      token: auditor.token,
    });
    expect(test.statusCode).toBe(403);
  });
});

describe('PATCH, DELETE, rotate-secret and test', () => {
  it('changes events and description by merge patch, and 404s an unknown id', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    const { id } = await subscribe(t, receiver, ['identity.created']);
    t.clock.advance(1000);
    const res = await t.request({
      method: 'PATCH',
      url: `${WEBHOOKS}/${id}`,
      token: t.admin.token,
      headers: { 'content-type': 'application/merge-patch+json' },
      json: { events: ['identity.updated', 'identity.disabled'], description: 'Directory sync' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      events: ['identity.updated', 'identity.disabled'],
      description: 'Directory sync',
      modified: '2026-01-15T10:00:01.000Z',
    });
    const missing = await t.request({
      method: 'PATCH',
      url: `${WEBHOOKS}/${UNKNOWN_ID}`,
      token: t.admin.token,
      headers: { 'content-type': 'application/merge-patch+json' },
      json: { description: 'x' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ messages: { text: string }[] }>().messages[0]!.text).toBe(
      `Webhook '${UNKNOWN_ID}' was not found`,
    );
  });

  it('deletes an endpoint with the deliveries it was owed', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    const { id } = await subscribe(t, receiver, ['identity.created']);
    await t.user({ name: 'Bea', login: 'bea' });
    expect(
      await t.storage.db.selectFrom('notification_deliveries').selectAll().execute(),
    ).toHaveLength(1);
    const res = await t.request({
      method: 'DELETE',
      url: `${WEBHOOKS}/${id}`,
      token: t.admin.token,
    });
    expect(res.statusCode).toBe(204);
    expect(await t.storage.db.selectFrom('notification_deliveries').selectAll().execute()).toEqual(
      [],
    );
    await deliver(t);
    expect(receiver.received).toEqual([]);
    const again = await t.request({
      method: 'GET',
      url: `${WEBHOOKS}/${id}`,
      token: t.admin.token,
    });
    expect(again.statusCode).toBe(404);
  });

  it('rotates the secret: both signatures verify for a day, then only the new one', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    const { id, secret: old } = await subscribe(t, receiver, ['identity.created']);
    const res = await t.request({
      method: 'POST',
      url: `${WEBHOOKS}/${id}/rotate-secret`,
      token: t.admin.token,
    });
    expect(res.statusCode).toBe(200);
    const rotated = res.json<{ secret: string; previousSecretExpiresAt: string }>();
    expect(rotated.secret).toMatch(SECRET);
    expect(rotated.secret).not.toBe(old);
    expect(rotated.previousSecretExpiresAt).toBe('2026-01-16T10:00:00.000Z');

    await t.user({ name: 'Bea', login: 'bea' });
    await deliver(t);
    const during = receiver.received[0]!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    // A receiver still on the old secret, and one already on the new, both accept it.
    expect(receiver.verify(old, during.body, during.headers)).toMatchObject({
      type: 'identity.created',
    });
    expect(receiver.verify(rotated.secret, during.body, during.headers)).toMatchObject({
      type: 'identity.created',
    });

    t.clock.advance(24 * 60 * 60 * 1000 + 1000);
    await t.user({ name: 'Cy', login: 'cy' });
    await deliver(t);
    const after = receiver.received[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => receiver.verify(old, after.body, after.headers)).toThrow(
      'No matching signature found',
    );
    expect(receiver.verify(rotated.secret, after.body, after.headers)).toMatchObject({
      type: 'identity.created',
    });
    const token = await t.accessToken(t.admin.patId, t.admin.secret);
    const shown = await t.request({ method: 'GET', url: `${WEBHOOKS}/${id}`, token });
    expect(shown.json()).toMatchObject({ previousSecretExpiresAt: null });
  });

  it('sends a ping on test and lists the delivery with its attempts', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    const { id } = await subscribe(t, receiver, ['identity.created']);
    const res = await t.request({
      method: 'POST',
      url: `${WEBHOOKS}/${id}/test`,
      token: t.admin.token,
    });
    expect(res.statusCode).toBe(202);
    const queued = res.json<{ deliveryId: string; eventId: string }>();
    expect(queued).toEqual({
      deliveryId: expect.stringMatching(HEX32) as unknown,
      eventId: expect.stringMatching(/^msg_[0-9a-f]{32}$/) as unknown,
    });
    receiver.answer = () => ({ status: 204 });
    await deliver(t);
    expect(receiver.events).toEqual([
      {
        type: 'ping',
        timestamp: '2026-01-15T10:00:00.000Z',
        data: { webhook: { id, url: receiver.url }, message: 'ping from Patina' },
      },
    ]);
    expect(receiver.received[0]!.headers['webhook-id']).toBe(queued.eventId);
    const deliveries = await t.request({
      method: 'GET',
      url: `${WEBHOOKS}/${id}/deliveries`,
      token: t.admin.token,
    });
    expect(deliveries.statusCode).toBe(200);
    expect(deliveries.json()).toEqual([
      {
        id: queued.deliveryId,
        webhookId: id,
        eventId: queued.eventId,
        eventType: 'ping',
        status: 'DELIVERED',
        attempts: [
          {
            attempt: 1,
            at: '2026-01-15T10:00:00.000Z',
            statusCode: 204,
            error: null,
            durationMs: expect.any(Number) as unknown,
          },
        ],
        nextAttemptAt: null,
        created: '2026-01-15T10:00:00.000Z',
        deliveredAt: '2026-01-15T10:00:00.000Z',
      },
    ]);
  });
});
