import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers.js';

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

  it('never take in a reused rotated secret: each is an incident of its own', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const rotated = await t.request({
      method: 'POST',
      url: `/patina/v1/personal-access-tokens/${pat.id}/rotate`,
      token: t.admin.token,
      json: { gracePeriodSeconds: 0 },
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    for (let i = 0; i < 2; i++) {
      expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(401);
    }
    await t.services.repeatedFailures.flush();
    expect((await failed(t)).map((row) => row.details)).toEqual([
      { reason: 'ROTATED_SECRET_REUSED', ownerId: t.admin.identity.id },
      { reason: 'ROTATED_SECRET_REUSED', ownerId: t.admin.identity.id },
    ]);
    expect(await t.auditEvents('PERSONAL_ACCESS_TOKEN_SECRET_REUSED')).toHaveLength(2);
  });
});
