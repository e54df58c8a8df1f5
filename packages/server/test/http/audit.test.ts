import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  captureLogger,
  DAY_MS,
  HEX32,
  startTestApp,
  V3,
  type TestApp,
} from '../helpers.js';

const AGENT = 'patina-audit-test/1.0';

interface AuditEventBody {
  id: string;
  time: string;
  type: string;
  actor: { id: string | null; name: string | null };
  target: { type: string; id: string | null; name: string | null };
  outcome: string;
  sourceIp: string | null;
  userAgent: string | null;
  trackingId: string | null;
  details: Record<string, unknown>;
}

/** The audit trail as the admin API serves it, oldest first. */
async function events(t: TestApp, query = '', token = t.admin.token): Promise<AuditEventBody[]> {
  const res = await t.request({ method: 'GET', url: `/patina/v1/audit-events?${query}`, token });
  expect(res.statusCode).toBe(200);
  return res.json<AuditEventBody[]>().reverse();
}

/** The request id the log line of the latest request to `method path` carries. */
function requestIdOf(lines: string[], method: string, path: string): string {
  const matching = lines
    .map((line) => JSON.parse(line) as { msg: string; method: string; path: string; reqId: string })
    .filter((line) => line.msg === 'request' && line.method === method && line.path === path);
  const last = matching.at(-1);
  if (!last) throw new Error(`no log line for ${method} ${path}`);
  expect(last.reqId).toMatch(HEX32);
  return last.reqId;
}

function exchange(t: TestApp, id: string, secret: string) {
  return t.exchange(id, secret, {}, { 'user-agent': AGENT });
}

describe('audit recording', () => {
  it('records create, change and delete of a PAT with actor, target, source and trackingId', async () => {
    const log = captureLogger();
    const t = await startTestApp({ logger: log.logger });
    const admin = t.admin.identity;
    const headers = { 'user-agent': AGENT };
    const common = {
      actor: { id: admin.id, name: 'ada' },
      outcome: 'SUCCESS',
      sourceIp: '127.0.0.1',
      userAgent: AGENT,
    };

    t.clock.advance(1000);
    const created = await t.request({
      method: 'POST',
      url: V3,
      token: t.admin.token,
      headers,
      json: { name: 'CI', scope: ['orders:read'] },
    });
    expect(created.statusCode).toBe(200);
    const pat = created.json<{ id: string; expirationDate: string }>();
    const createdId = requestIdOf(log.lines(), 'POST', V3);

    t.clock.advance(1000);
    const patched = await t.request({
      method: 'PATCH',
      url: `${V3}/${pat.id}`,
      token: t.admin.token,
      headers,
      json: [{ op: 'replace', path: '/name', value: 'CI 2' }],
    });
    expect(patched.statusCode).toBe(200);
    const patchedId = requestIdOf(log.lines(), 'PATCH', `${V3}/${pat.id}`);

    t.clock.advance(1000);
    const deleted = await t.request({
      method: 'DELETE',
      url: `${V3}/${pat.id}`,
      token: t.admin.token,
      headers,
    });
    expect(deleted.statusCode).toBe(204);
    const deletedId = requestIdOf(log.lines(), 'DELETE', `${V3}/${pat.id}`);

    const trail = await events(t, `target-id=${pat.id}`);
    const target = { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id };
    expect(trail).toEqual([
      {
        ...common,
        id: expect.stringMatching(HEX32) as unknown,
        time: '2026-01-15T10:00:01.000Z',
        type: 'PERSONAL_ACCESS_TOKEN_CREATED',
        target: { ...target, name: 'CI' },
        trackingId: createdId,
        details: {
          ownerId: admin.id,
          scope: ['orders:read'],
          managed: false,
          expirationDate: pat.expirationDate,
        },
      },
      {
        ...common,
        id: expect.stringMatching(HEX32) as unknown,
        time: '2026-01-15T10:00:02.000Z',
        type: 'PERSONAL_ACCESS_TOKEN_UPDATED',
        target: { ...target, name: 'CI 2' },
        trackingId: patchedId,
        details: { ownerId: admin.id, changed: ['name'], name: 'CI 2' },
      },
      {
        ...common,
        id: expect.stringMatching(HEX32) as unknown,
        time: '2026-01-15T10:00:03.000Z',
        type: 'PERSONAL_ACCESS_TOKEN_DELETED',
        target: { ...target, name: 'CI 2' },
        trackingId: deletedId,
        details: { ownerId: admin.id },
      },
    ]);
  });

  it('records a successful exchange as _USED at most once a day, and each failure as _USE_FAILED', async () => {
    const log = captureLogger();
    const t = await startTestApp({ logger: log.logger });
    const bea = await t.user({ name: 'Bea', login: 'bea' });
    const pat = await t.mintPat(bea.identity.id, { name: 'cron' });

    t.clock.advance(1000);
    expect((await exchange(t, pat.id, pat.secret)).statusCode).toBe(200);
    const usedId = requestIdOf(log.lines(), 'POST', '/oauth/token');
    t.clock.advance(60_000);
    expect((await exchange(t, pat.id, pat.secret)).statusCode).toBe(200);
    t.clock.advance(1000);
    expect((await exchange(t, pat.id, 'patina_not-the-secret')).statusCode).toBe(401);
    const failedId = requestIdOf(log.lines(), 'POST', '/oauth/token');

    const base = {
      id: expect.stringMatching(HEX32) as unknown,
      target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: 'cron' },
      sourceIp: '127.0.0.1',
      userAgent: AGENT,
      details: { ownerId: bea.identity.id },
    };
    expect(await events(t, `target-id=${pat.id}&type=PERSONAL_ACCESS_TOKEN_USED`)).toEqual([
      {
        ...base,
        time: '2026-01-15T10:00:01.000Z',
        type: 'PERSONAL_ACCESS_TOKEN_USED',
        actor: { id: bea.identity.id, name: 'bea' },
        outcome: 'SUCCESS',
        trackingId: usedId,
      },
    ]);
    expect(await events(t, `target-id=${pat.id}&type=PERSONAL_ACCESS_TOKEN_USE_FAILED`)).toEqual([
      {
        ...base,
        time: '2026-01-15T10:01:02.000Z',
        type: 'PERSONAL_ACCESS_TOKEN_USE_FAILED',
        actor: { id: null, name: null },
        outcome: 'FAILURE',
        trackingId: failedId,
        details: { reason: 'wrong_secret', ownerId: bea.identity.id },
      },
    ]);

    // A day later the next exchange is recorded again.
    t.clock.advance(DAY_MS);
    expect((await exchange(t, pat.id, pat.secret)).statusCode).toBe(200);
    const fresh = await t.accessToken(t.admin.patId, t.admin.secret);
    const used = await events(t, `target-id=${pat.id}&type=PERSONAL_ACCESS_TOKEN_USED`, fresh);
    expect(used.map((e) => e.time)).toEqual([
      '2026-01-15T10:00:01.000Z',
      '2026-01-16T10:01:02.000Z',
    ]);
  });

  it('tells the failure kinds apart in the audit trail, though the answers are the same', async () => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea' });
    const short = await t.mintPat(bea.identity.id, {
      name: 'short',
      expirationDate: '2026-01-15T11:00:00.000Z',
    });
    const gone = await t.mintPat(bea.identity.id, { name: 'gone' });
    expect((await t.deletePat(gone.id)).statusCode).toBe(204);
    const carl = await t.user({ name: 'Carl' });
    expect((await t.patchIdentity(carl.identity.id, { status: 'DISABLED' })).statusCode).toBe(200);
    t.clock.advance(2 * 60 * 60 * 1000);

    const unknownId = 'ffffffffffffffffffffffffffffffff';
    const attempts: [string, string][] = [
      [unknownId, bea.secret],
      [bea.patId, carl.secret],
      [short.id, short.secret],
      [gone.id, gone.secret],
      [carl.patId, carl.secret],
    ];
    for (const [id, secret] of attempts) {
      const res = await exchange(t, id, secret);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(BAD_CREDENTIALS);
    }
    const failed = await events(t, 'type=PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(failed.map((e) => [e.target.id, e.details.reason, e.outcome])).toEqual([
      [unknownId, 'unknown_client', 'FAILURE'],
      [bea.patId, 'wrong_secret', 'FAILURE'],
      [short.id, 'expired', 'FAILURE'],
      [gone.id, 'deleted', 'FAILURE'],
      [carl.patId, 'owner_disabled', 'FAILURE'],
    ]);
  });

  it('records IDENTITY_CREATED and IDENTITY_UPDATED with the identity as target', async () => {
    const log = captureLogger();
    const t = await startTestApp({ logger: log.logger });
    t.clock.advance(1000);
    const created = await t.request({
      method: 'POST',
      url: '/patina/v1/identities',
      token: t.admin.token,
      headers: { 'user-agent': AGENT },
      json: { name: 'Grace Hopper', roles: ['USER'] },
    });
    expect(created.statusCode).toBe(201);
    const grace = created.json<{ id: string }>();
    const createdId = requestIdOf(log.lines(), 'POST', '/patina/v1/identities');
    t.clock.advance(1000);
    const patched = await t.request({
      method: 'PATCH',
      url: `/patina/v1/identities/${grace.id}`,
      token: t.admin.token,
      headers: { 'user-agent': AGENT, 'content-type': 'application/merge-patch+json' },
      json: { status: 'DISABLED' },
    });
    expect(patched.statusCode).toBe(200);
    const patchedId = requestIdOf(log.lines(), 'PATCH', `/patina/v1/identities/${grace.id}`);

    const common = {
      id: expect.stringMatching(HEX32) as unknown,
      actor: { id: t.admin.identity.id, name: 'ada' },
      // The target names the identity even when the patch does not change its name.
      target: { type: 'IDENTITY', id: grace.id, name: 'Grace Hopper' },
      outcome: 'SUCCESS',
      sourceIp: '127.0.0.1',
      userAgent: AGENT,
    };
    expect(await events(t, `target-id=${grace.id}`)).toEqual([
      {
        ...common,
        time: '2026-01-15T10:00:01.000Z',
        type: 'IDENTITY_CREATED',
        trackingId: createdId,
        details: { login: 'grace.hopper', roles: ['USER'], status: 'ACTIVE' },
      },
      {
        ...common,
        time: '2026-01-15T10:00:02.000Z',
        type: 'IDENTITY_UPDATED',
        trackingId: patchedId,
        details: { changed: ['status'], status: 'DISABLED' },
      },
    ]);
  });
});

describe('secrets in the audit trail', () => {
  it('no event ever holds a secret or an access token', async () => {
    const t = await startTestApp();
    const bea = await t.user({ name: 'Bea' });
    const created = await t.postPat(
      { name: 'leaky?', expirationDate: '2026-01-20T00:00:00.000Z' },
      bea.token,
    );
    expect(created.statusCode).toBe(200);
    const pat = created.json<{ id: string; secret: string }>();
    const exchanged = await exchange(t, pat.id, pat.secret);
    expect(exchanged.statusCode).toBe(200);
    const accessToken = exchanged.json<{ access_token: string }>().access_token;
    // Failures: a wrong secret, and a secret pasted into the client_id field.
    expect((await exchange(t, pat.id, bea.secret)).statusCode).toBe(401);
    expect((await exchange(t, pat.secret, pat.secret)).statusCode).toBe(401);
    const patched = await t.request({
      method: 'PATCH',
      url: `${V3}/${pat.id}`,
      token: accessToken,
      json: [{ op: 'replace', path: '/scope', value: ['orders:read'] }],
    });
    expect(patched.statusCode).toBe(200);
    const admin = await t.request({
      method: 'POST',
      url: `/patina/v1/identities/${bea.identity.id}/personal-access-tokens`,
      token: t.admin.token,
      json: { name: 'managed one', managed: true },
    });
    expect(admin.statusCode).toBe(200);
    const managedSecret = admin.json<{ secret: string }>().secret;
    t.clock.advance(10 * DAY_MS);
    expect(await t.services.expirySweeper.runOnce()).toBe(1);
    const adminToken = await t.accessToken(t.admin.patId, t.admin.secret);
    expect((await t.deletePat(bea.patId, adminToken)).statusCode).toBe(204);

    const served = JSON.stringify(await events(t, '', adminToken));
    const stored = JSON.stringify(await t.auditEvents());
    const types = new Set((await t.auditEvents()).map((e) => e.type));
    expect([...types].sort()).toEqual([
      'IDENTITY_CREATED',
      'PERSONAL_ACCESS_TOKEN_CREATED',
      'PERSONAL_ACCESS_TOKEN_DELETED',
      'PERSONAL_ACCESS_TOKEN_EXPIRED',
      'PERSONAL_ACCESS_TOKEN_UPDATED',
      'PERSONAL_ACCESS_TOKEN_USED',
      'PERSONAL_ACCESS_TOKEN_USE_FAILED',
    ]);
    for (const text of [served, stored]) {
      for (const secret of [pat.secret, bea.secret, managedSecret, t.admin.secret]) {
        expect(text.includes(secret)).toBe(false);
      }
      for (const token of [accessToken, adminToken, bea.token, t.admin.token]) {
        expect(text.includes(token)).toBe(false);
      }
      expect(text.includes('patina_')).toBe(false);
      expect(text.includes('eyJ')).toBe(false);
    }
  });
});
