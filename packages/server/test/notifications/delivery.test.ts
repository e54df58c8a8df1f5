import {
  WEBHOOK_EVENT_DATA,
  WEBHOOK_EVENT_TYPES,
  type AuditEvent,
  type AuditEventType,
} from '@patina/contract';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { DAY_MS, HOUR_MS, startTestApp, type TestApp } from '../helpers.js';
import { deliver, LOCAL_WEBHOOKS, Receiver, subscribe } from './receivers.js';

const WEBHOOKS = '/patina/v1/webhooks';

/** Validates like the server does (Ajv), against the contract's data schema of each type. */
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);

/**
 * An audit event as another part of Patina records it (rotation, revocation, offboarding and
 * inactivity record their own), handed to the outbox in one transaction with its audit row, as
 * the audit log does.
 */
async function recordAudit(
  t: TestApp,
  type: AuditEventType,
  target: AuditEvent['target'],
  details: Record<string, unknown>,
  sourceIp: string | null = null,
) {
  const event: AuditEvent = {
    id: randomBytes(16).toString('hex'),
    time: t.clock.now().toISOString(),
    type,
    actor: { id: null, name: 'patina' },
    target,
    outcome: 'SUCCESS',
    sourceIp,
    userAgent: null,
    trackingId: null,
    details,
  };
  await t.storage.transaction(async (repos) => {
    await repos.audit.insert(event);
    await t.services.notifications.outbox.record(repos, event);
  });
  return event;
}

describe('webhook delivery', () => {
  it('brings a receiver verifying with standardwebhooks every event type, each body matching its schema and holding no secret', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    const gone = await Receiver.start(t.clock);
    gone.answer = () => ({ status: 410 });
    const all = await subscribe(t, receiver, [...WEBHOOK_EVENT_TYPES]);
    await subscribe(t, gone, ['identity.created']);
    const secrets: string[] = [all.secret, ...gone.secrets, t.admin.secret];

    const bea = await t.user({ name: 'Bea', login: 'bea' });
    secrets.push(bea.secret);
    const made = await t.postPat({ name: 'CI', expirationDate: '2026-01-20T10:00:00.000Z' });
    expect(made.statusCode).toBe(200);
    const pat = made.json<{ id: string; secret: string }>();
    secrets.push(pat.secret);
    const patched = await t.request({
      method: 'PATCH',
      url: `/v3/personal-access-tokens/${pat.id}`,
      token: t.admin.token,
      json: [{ op: 'replace', path: '/name', value: 'CI (prod)' }],
    });
    expect(patched.statusCode).toBe(200);
    const patTarget = { type: 'PERSONAL_ACCESS_TOKEN' as const, id: pat.id, name: 'CI (prod)' };
    await recordAudit(t, 'PERSONAL_ACCESS_TOKEN_ROTATED', patTarget, { gracePeriodSeconds: 3600 });
    await recordAudit(t, 'PERSONAL_ACCESS_TOKEN_SECRET_REUSED', patTarget, {}, '203.0.113.9');
    await recordAudit(t, 'PERSONAL_ACCESS_TOKEN_INACTIVE_WARNING', patTarget, {
      revokeAt: '2026-02-01T00:00:00.000Z',
    });
    await recordAudit(t, 'PERSONAL_ACCESS_TOKEN_REVOKED', patTarget, { reason: 'LEAKED' });
    expect((await t.patchIdentity(bea.identity.id, { name: 'Bea B.' })).statusCode).toBe(200);
    expect((await t.patchIdentity(bea.identity.id, { status: 'DISABLED' })).statusCode).toBe(200);
    await recordAudit(
      t,
      'IDENTITY_OFFBOARDED',
      { type: 'IDENTITY', id: bea.identity.id, name: 'Bea B.' },
      {
        revoked: [{ id: bea.patId }],
      },
    );
    // The gone receiver answers 410 to identity.created: that endpoint is disabled, and told.
    await deliver(t);
    // Expiring (the sweep: five days left is inside the 7-day threshold), then expired.
    const other = await t.postPat({ name: 'nightly', expirationDate: '2026-01-18T10:00:00.000Z' });
    secrets.push(other.json<{ secret: string }>().secret);
    await t.services.housekeeping.runOnce();
    t.clock.advance(4 * DAY_MS);
    await t.services.housekeeping.runOnce();
    expect(
      (await t.deletePat(pat.id, await t.accessToken(t.admin.patId, t.admin.secret))).statusCode,
    ).toBe(204);
    await deliver(t);

    expect(receiver.received.every((r) => r.verifyError === undefined)).toBe(true);
    const types = receiver.events.map((e) => e.type);
    // Approval requests and access reviews: test/notifications/governance*.test.ts.
    const governance = /^(pat_request|access_review)\./;
    expect(new Set(types)).toEqual(new Set(WEBHOOK_EVENT_TYPES.filter((x) => !governance.test(x))));
    for (const event of receiver.events) {
      const validate = ajv.compile(
        WEBHOOK_EVENT_DATA[event.type as keyof typeof WEBHOOK_EVENT_DATA],
      );
      expect(validate(event.data), `${event.type}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    for (const r of receiver.received) {
      expect(Buffer.byteLength(r.body)).toBeLessThan(20_480);
      for (const secret of secrets) expect(r.body).not.toContain(secret);
      expect(r.body).not.toMatch(/digest|secret_enc|whsec_/);
    }
    const byType = (type: string) => receiver.events.find((e) => e.type === type)!.data;
    expect(byType('personal_access_token.revoked')).toMatchObject({ reason: 'LEAKED' });
    expect(byType('personal_access_token.rotated')).toMatchObject({ gracePeriodSeconds: 3600 });
    expect(byType('personal_access_token.secret_reused')).toMatchObject({
      sourceIp: '203.0.113.9',
    });
    expect(byType('personal_access_token.updated')).toMatchObject({ changed: ['name'] });
    expect(byType('identity.disabled')).toMatchObject({
      changed: ['status'],
      identity: { status: 'DISABLED' },
    });
    expect(byType('identity.offboarded')).toMatchObject({ revokedCount: 1 });
    expect(byType('personal_access_token.expiring')).toMatchObject({
      daysLeft: 3,
      personalAccessToken: { name: 'nightly', expirationDate: '2026-01-18T10:00:00.000Z' },
    });
    expect(byType('webhook.disabled')).toMatchObject({
      reason: 'GONE',
      webhook: { url: gone.url },
    });
    const createdData = receiver.events.find(
      (e) =>
        e.type === 'personal_access_token.created' &&
        (e.data as { personalAccessToken: { id: string } }).personalAccessToken.id === pat.id,
    )!.data;
    expect(createdData).toEqual({
      auditEventId: expect.any(String) as unknown,
      actor: { id: t.admin.identity.id, name: 'ada' },
      personalAccessToken: {
        id: pat.id,
        name: 'CI',
        owner: { type: 'IDENTITY', id: t.admin.identity.id, name: 'Ada Admin' },
        scope: ['sp:scopes:all'],
        managed: false,
        created: '2026-01-15T10:00:00.000Z',
        lastUsed: null,
        expirationDate: '2026-01-20T10:00:00.000Z',
      },
    });
    // webhook-id is the audit event's id: a receiver can look the event up in the audit trail.
    const created = receiver.received.find(
      (r) => r.verified?.type === 'personal_access_token.created',
    )!;
    expect(created.headers['webhook-id']).toBe(
      `msg_${(created.verified!.data as { auditEventId: string }).auditEventId}`,
    );
    const disabled = await t.request({
      method: 'GET',
      url: `${WEBHOOKS}`,
      token: await t.accessToken(t.admin.patId, t.admin.secret),
    });
    expect(
      disabled
        .json<{ url: string; enabled: boolean; disabledReason: string }[]>()
        .find((w) => w.url === gone.url),
    ).toMatchObject({
      enabled: false,
      disabledReason: 'GONE',
    });
  });

  it('delivers on the fourth attempt to a receiver down for the first three, on the retry schedule', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    receiver.answer = (n) => ({ status: n < 3 ? 500 : 200 });
    const { id } = await subscribe(t, receiver, ['identity.created']);
    await t.user({ name: 'Bea', login: 'bea' });
    const deliveries = async () =>
      (
        await t.services.notifications.webhooks.deliveries(SYSTEM_CONTEXT, id, {
          limit: 10,
          offset: 0,
          withTotal: false,
        })
      ).items;

    await deliver(t);
    expect(receiver.received).toHaveLength(1);
    // Not yet due: nothing is sent before the retry's time.
    t.clock.advance(4000);
    await deliver(t);
    expect(receiver.received).toHaveLength(1);
    // About 5 s, 5 min and 30 min after each failure (±10%).
    for (const [waitMs, expected] of [
      [5500, 2],
      [5.5 * 60_000, 3],
      [33 * 60_000, 4],
    ] as const) {
      t.clock.advance(waitMs);
      await deliver(t);
      expect(receiver.received).toHaveLength(expected);
    }
    const [delivery] = await deliveries();
    expect(delivery).toMatchObject({ status: 'DELIVERED', nextAttemptAt: null });
    expect(delivery!.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 200]);
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect(receiver.events).toHaveLength(4);
    const webhook = await t.services.notifications.webhooks.get(SYSTEM_CONTEXT, id);
    expect(webhook.failingSince).toBeNull();
  });

  it('gives a delivery up after ten attempts, and disables an endpoint failing for five days', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    receiver.answer = () => ({ status: 502 });
    const { id } = await subscribe(t, receiver, ['identity.created', 'identity.updated']);
    const watcher = await Receiver.start(t.clock);
    await subscribe(t, watcher, ['webhook.disabled']);
    const bea = await t.user({ name: 'Bea', login: 'bea' });
    for (let i = 0; i < 120 && receiver.received.length < 10; i++) {
      await deliver(t);
      t.clock.advance(HOUR_MS);
    }
    expect(receiver.received).toHaveLength(10);
    const [first] = (
      await t.services.notifications.webhooks.deliveries(SYSTEM_CONTEXT, id, {
        limit: 10,
        offset: 0,
        withTotal: false,
      })
    ).items;
    expect(first).toMatchObject({ status: 'FAILED', nextAttemptAt: null });
    expect(first!.attempts).toHaveLength(10);
    // Still enabled (about 3 days of failures); a new event keeps failing until day 5.
    expect((await t.services.notifications.webhooks.get(SYSTEM_CONTEXT, id)).enabled).toBe(true);
    await t.patchIdentity(
      bea.identity.id,
      { name: 'Bea B.' },
      await t.accessToken(t.admin.patId, t.admin.secret),
    );
    for (let i = 0; i < 60; i++) {
      await deliver(t);
      if (!(await t.services.notifications.webhooks.get(SYSTEM_CONTEXT, id)).enabled) break;
      t.clock.advance(2 * HOUR_MS);
    }
    const webhook = await t.services.notifications.webhooks.get(SYSTEM_CONTEXT, id);
    expect(webhook).toMatchObject({
      enabled: false,
      disabledReason: 'FAILING',
      failingSince: '2026-01-15T10:00:00.000Z',
    });
    expect(t.clock.now().getTime() - Date.parse('2026-01-15T10:00:00.000Z')).toBeGreaterThanOrEqual(
      5 * DAY_MS,
    );
    await deliver(t);
    expect(watcher.events.map((e) => [e.type, (e.data as { reason: string }).reason])).toEqual([
      ['webhook.disabled', 'FAILING'],
    ]);
    // Disabled: no new deliveries are queued for it.
    const before = receiver.received.length;
    await t.user({ name: 'Cy', login: 'cy' });
    t.clock.advance(DAY_MS);
    await deliver(t);
    expect(receiver.received).toHaveLength(before);
  });

  it('waits for Retry-After on 429 and 503, beyond the schedule', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    receiver.answer = (n) =>
      n === 0
        ? { status: 429, headers: { 'retry-after': '3600' } }
        : n === 1
          ? { status: 503, headers: { 'retry-after': 'Thu, 15 Jan 2026 13:00:00 GMT' } }
          : { status: 200 };
    await subscribe(t, receiver, ['identity.created']);
    await t.user({ name: 'Bea', login: 'bea' });
    await deliver(t);
    t.clock.advance(59 * 60_000);
    await deliver(t);
    expect(receiver.received).toHaveLength(1);
    t.clock.advance(61_000);
    await deliver(t);
    expect(receiver.received).toHaveLength(2);
    // At 11:00 the 503 asked for 13:00.
    t.clock.set('2026-01-15T12:59:00.000Z');
    await deliver(t);
    expect(receiver.received).toHaveLength(2);
    t.clock.set('2026-01-15T13:00:00.000Z');
    await deliver(t);
    expect(receiver.received).toHaveLength(3);
  });

  it('sends one endpoint its events in order, one at a time: a failing one holds back the next', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    receiver.answer = (n) => ({ status: n === 0 ? 500 : 200 });
    await subscribe(t, receiver, ['identity.created']);
    for (const name of ['A', 'B', 'C']) await t.user({ name, login: name.toLowerCase() });
    await deliver(t);
    expect(
      receiver.events.map((e) => (e.data as { identity: { name: string } }).identity.name),
    ).toEqual(['A']);
    t.clock.advance(6000);
    await deliver(t);
    expect(
      receiver.events.map((e) => (e.data as { identity: { name: string } }).identity.name),
    ).toEqual(['A', 'A', 'B', 'C']);
  });

  it('does not follow a redirect: a 3xx is a failed attempt and the target hears nothing', async () => {
    const t = await startTestApp({ config: LOCAL_WEBHOOKS });
    const target = await Receiver.start(t.clock);
    const receiver = await Receiver.start(t.clock);
    receiver.answer = () => ({ status: 307, headers: { location: target.url } });
    const { id } = await subscribe(t, receiver, ['identity.created']);
    await t.user({ name: 'Bea', login: 'bea' });
    await deliver(t);
    expect(receiver.received).toHaveLength(1);
    expect(target.received).toEqual([]);
    const [delivery] = (
      await t.services.notifications.webhooks.deliveries(SYSTEM_CONTEXT, id, {
        limit: 1,
        offset: 0,
        withTotal: false,
      })
    ).items;
    expect(delivery).toMatchObject({
      status: 'PENDING',
      attempts: [{ statusCode: 307, error: null }],
    });
  });
});
