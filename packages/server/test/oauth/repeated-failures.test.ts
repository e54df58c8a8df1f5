import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { MAX_REUSE_INCIDENTS } from '../../src/oauth/client-authenticator.js';
import { startTestApp, type TestApp } from '../helpers.js';
import {
  deliver,
  LOCAL_WEBHOOKS,
  MailCatcher,
  Receiver,
  subscribe,
} from '../notifications/receivers.js';

const ATTACKER = '203.0.113.7';
const OTHER = '198.51.100.20';

function failFrom(t: TestApp, remoteAddress: string, clientId: string) {
  return t.exchangeFrom(remoteAddress, clientId, 'patina_wrong');
}

async function failed(t: TestApp) {
  const rows = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
  return rows.map((row) => ({
    target: row.target_id,
    ip: row.source_ip,
    time: row.time,
    details: JSON.parse(row.details) as Record<string, unknown>,
  }));
}

/** A PAT of Grace's (who has a mail address), rotated with no grace: its first secret is retired. */
async function rotatedAway(t: TestApp) {
  const owner = await t.services.identities.create(SYSTEM_CONTEXT, {
    name: 'Grace Hopper',
    login: 'grace',
    email: 'grace@example.com',
  });
  const pat = await t.mintPat(owner.id, { name: 'ci' });
  const rotated = await t.request({
    method: 'POST',
    url: `/patina/v1/personal-access-tokens/${pat.id}/rotate`,
    token: t.admin.token,
    json: { gracePeriodSeconds: 0 },
  });
  expect(rotated.statusCode, rotated.body).toBe(200);
  return { owner, pat };
}

describe('repeated identical failures in the audit log', () => {
  it('share one row per client id, address and minute, which counts them', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    for (let i = 0; i < 5; i++) expect((await failFrom(t, ATTACKER, pat.id)).statusCode).toBe(401);
    // The first is written at once, as itself; the others only count until the next flush.
    expect(await failed(t)).toEqual([
      {
        target: pat.id,
        ip: ATTACKER,
        time: '2026-01-15T10:00:00.000Z',
        details: { reason: 'wrong_secret', ownerId: t.admin.identity.id },
      },
    ]);
    await t.services.repeatedFailures.flush();
    expect((await failed(t)).map((row) => row.details)).toEqual([
      { reason: 'wrong_secret', ownerId: t.admin.identity.id, count: 5 },
    ]);
  });

  it('keep apart what differs: the address, the client id, the reason, the minute', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const unknown = randomBytes(16).toString('hex');
    await failFrom(t, ATTACKER, pat.id);
    await failFrom(t, ATTACKER, pat.id);
    await failFrom(t, OTHER, pat.id);
    await failFrom(t, ATTACKER, unknown);
    await failFrom(t, ATTACKER, unknown);
    await failFrom(t, ATTACKER, unknown);
    t.clock.advance(60_000);
    // A new minute: a row of its own; the last minute's rows get their counts.
    await failFrom(t, ATTACKER, pat.id);
    await t.services.repeatedFailures.flush();
    const rows = await failed(t);
    expect(rows.map((row) => [row.target, row.ip, row.details.reason, row.details.count])).toEqual([
      [pat.id, ATTACKER, 'wrong_secret', 2],
      [pat.id, OTHER, 'wrong_secret', undefined],
      [unknown, ATTACKER, 'unknown_client', 3],
      [pat.id, ATTACKER, 'wrong_secret', undefined],
    ]);
    expect(rows.at(-1)?.time).toBe('2026-01-15T10:01:00.000Z');
  });

  it('are stored when the service shuts down', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    for (let i = 0; i < 3; i++) await failFrom(t, ATTACKER, pat.id);
    await t.services.repeatedFailures.close();
    expect((await failed(t)).map((row) => row.details.count)).toEqual([3]);
  });

  it('keep their counts through a flush that fails, and store them with the next', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    for (let i = 0; i < 4; i++) await failFrom(t, ATTACKER, pat.id);
    const audit = t.storage.repos.audit;
    const setCount = audit.setCount.bind(audit);
    audit.setCount = () => Promise.reject(new Error('the database is away'));
    await expect(t.services.repeatedFailures.flush()).rejects.toThrow('the database is away');
    audit.setCount = setCount;
    await t.services.repeatedFailures.flush();
    expect((await failed(t)).map((row) => row.details.count)).toEqual([4]);
  });

  // 30 reuses used to send 30 mails, 60 audit rows and 30 webhook deliveries.
  it('merge a reused rotated secret too: one incident per PAT and address, mailed and sent once', async () => {
    const smtp = await MailCatcher.start();
    const t = await startTestApp({ config: { ...smtp.config(), ...LOCAL_WEBHOOKS } });
    const receiver = await Receiver.start(t.clock);
    await subscribe(t, receiver, ['personal_access_token.secret_reused']);
    const { owner, pat } = await rotatedAway(t);
    const before = (await t.auditEvents()).length;

    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      statuses.push((await t.exchangeFrom(ATTACKER, pat.id, pat.secret)).statusCode);
    }
    // Throttled like any repeated failure: lockout.maxFailures (10) answers, then 429.
    expect(statuses).toEqual([...Array<number>(10).fill(401), ...Array<number>(20).fill(429)]);
    await t.services.repeatedFailures.flush();
    await deliver(t);

    const rows = (await t.auditEvents()).slice(before);
    expect(
      rows.map((row) => [row.type, row.source_ip, JSON.parse(row.details) as unknown]),
    ).toEqual([
      [
        'PERSONAL_ACCESS_TOKEN_USE_FAILED',
        ATTACKER,
        { reason: 'rotated_secret_reused', ownerId: owner.id, count: 30 },
      ],
      [
        'PERSONAL_ACCESS_TOKEN_SECRET_REUSED',
        ATTACKER,
        {
          ownerId: owner.id,
          previousSecretValidUntil: null,
          action: 'alert',
        },
      ],
    ]);
    expect(smtp.mails).toHaveLength(1);
    expect(receiver.events.map((event) => [event.type, event.data.sourceIp])).toEqual([
      ['personal_access_token.secret_reused', ATTACKER],
    ]);

    // Another address is another incident; the same address a minute later is not.
    expect((await t.exchangeFrom(OTHER, pat.id, pat.secret)).statusCode).toBe(401);
    t.clock.advance(60_000);
    expect((await t.exchangeFrom(ATTACKER, pat.id, pat.secret)).statusCode).toBe(429);
    await t.services.repeatedFailures.flush();
    await deliver(t);
    const incidents = await t.auditEvents('PERSONAL_ACCESS_TOKEN_SECRET_REUSED');
    expect(incidents.map((row) => row.source_ip)).toEqual([ATTACKER, OTHER]);
    expect(smtp.mails).toHaveLength(2);
    expect(receiver.events).toHaveLength(2);
    expect((await failed(t)).map((row) => [row.ip, row.details.count])).toEqual([
      [ATTACKER, 30],
      [OTHER, undefined],
      [ATTACKER, undefined],
    ]);
  });
  // A /64 is one address for every limit: walking through one raises one incident, not one per
  // address; and however many addresses, a rotation's old secret raises MAX_REUSE_INCIDENTS at most.
  it('raise one reuse incident per /64, and no more than the cap from many addresses', async () => {
    const smtp = await MailCatcher.start();
    const t = await startTestApp({ config: smtp.config() });
    const { pat } = await rotatedAway(t);

    for (let i = 1; i <= 5; i++) await t.exchangeFrom(`2001:db8:1:2::${i}`, pat.id, pat.secret);
    await t.services.repeatedFailures.flush();
    let incidents = await t.auditEvents('PERSONAL_ACCESS_TOKEN_SECRET_REUSED');
    expect(incidents.map((row) => row.source_ip)).toEqual(['2001:db8:1:2::1']);
    // The merged failure row is keyed by the /64 too: one row, counting all five.
    expect((await failed(t)).map((row) => [row.ip, row.details.count])).toEqual([
      ['2001:db8:1:2::1', 5],
    ]);

    for (let i = 1; i <= MAX_REUSE_INCIDENTS + 5; i++) {
      await t.exchangeFrom(`192.0.2.${i}`, pat.id, pat.secret);
    }
    await t.services.repeatedFailures.flush();
    incidents = await t.auditEvents('PERSONAL_ACCESS_TOKEN_SECRET_REUSED');
    expect(incidents).toHaveLength(MAX_REUSE_INCIDENTS);
    await deliver(t);
    expect(smtp.mails).toHaveLength(MAX_REUSE_INCIDENTS);
  });
});
