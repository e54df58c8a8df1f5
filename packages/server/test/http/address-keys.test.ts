import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { makeSecret } from '../../src/tokens/secret.js';
import { BAD_CREDENTIALS, LOCKED_OUT, startTestApp, type TestApp } from '../helpers.js';
import { PATINA_PATS } from '../lifecycle/helpers.js';

// Issue 21, item 11: every per-address limit counts a client by one key (core/cidr.ts,
// addressKey): an IPv6 client by its /64, an IPv4-mapped one as the IPv4, and an address sent
// in a non-canonical IPv4 spelling through a trusted proxy as the address it spells. The
// addresses are only ever injected (light-my-request's remoteAddress) or named in
// X-Forwarded-For: no traffic leaves the process.

const LOCKOUT = { maxFailures: 3, windowSeconds: 300, durationSeconds: 60 };
const RATE_LIMITED = { message: 'Rate Limit Exceeded' };

/** Three addresses of one /64, and one of the /64 next to it. */
const SAME_64 = ['2001:db8:1:2::1', '2001:db8:1:2::beef', '2001:db8:1:2:ffff:ffff:ffff:ffff'];
const NEXT_64 = '2001:db8:1:3::1';

function unknownClientId(): string {
  return randomBytes(16).toString('hex');
}

async function failFrom(
  t: TestApp,
  address: string,
  clientId: string,
  headers: Record<string, string> = {},
) {
  const response = await t.exchangeFrom(address, clientId, 'patina_wrong', headers);
  expect(response.statusCode).toBe(401);
  expect(response.json()).toStrictEqual(BAD_CREDENTIALS);
}

function expectLocked(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toStrictEqual(LOCKED_OUT);
  expect(response.headers['retry-after']).toBe('60');
}

function expectRateLimited(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toStrictEqual(RATE_LIMITED);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}

describe('the OAuth lockout counts an IPv6 client by its /64', () => {
  it('per client id: failures from three addresses of one /64 lock all of it, not the next /64', async () => {
    const t = await startTestApp({ config: { policy: { lockout: LOCKOUT } } });
    const clientId = unknownClientId();
    for (const address of SAME_64) await failFrom(t, address, clientId);
    expectLocked(await t.exchangeFrom('2001:db8:1:2:abcd::7', clientId, 'patina_wrong'));
    await failFrom(t, NEXT_64, clientId);
    // The audit trail merges a /64's repeated failures as it counts them: one row, naming the
    // first address, with the count; the next /64 has a row of its own.
    await t.services.repeatedFailures.flush();
    const failed = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(
      failed.map((e) => [e.source_ip, (JSON.parse(e.details) as { count?: number }).count]),
    ).toEqual([
      [SAME_64[0], SAME_64.length],
      [NEXT_64, undefined],
    ]);
  });

  it('per address (maxFailuresPerAddress): many client ids from one /64', async () => {
    const t = await startTestApp({
      config: { policy: { lockout: { ...LOCKOUT, maxFailuresPerAddress: 3 } } },
    });
    for (const address of SAME_64) await failFrom(t, address, unknownClientId());
    expectLocked(await t.exchangeFrom('2001:db8:1:2::9', unknownClientId(), 'patina_wrong'));
    await failFrom(t, NEXT_64, unknownClientId());
  });

  it('counts an IPv4-mapped IPv6 client as the IPv4 address, and stores it so', async () => {
    const t = await startTestApp({ config: { policy: { lockout: LOCKOUT } } });
    const clientId = unknownClientId();
    await failFrom(t, '203.0.113.7', clientId);
    await failFrom(t, '::ffff:203.0.113.7', clientId);
    await failFrom(t, '::ffff:cb00:7107', clientId);
    expectLocked(await t.exchangeFrom('203.0.113.7', clientId, 'patina_wrong'));
    await t.services.repeatedFailures.flush();
    const failed = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(failed.map((e) => [e.source_ip, JSON.parse(e.details) as unknown])).toEqual([
      ['203.0.113.7', { reason: 'unknown_client', count: 3 }],
    ]);
  });
});

describe('the rate limits count an IPv6 client by its /64', () => {
  it('/oauth/token: one bucket per client id for the whole /64', async () => {
    const t = await startTestApp({
      config: {
        policy: { rateLimit: { max: 3, windowSeconds: 10 }, lockout: { maxFailures: 99 } },
      },
    });
    const clientId = unknownClientId();
    for (const address of SAME_64) await failFrom(t, address, clientId);
    expectRateLimited(await t.exchangeFrom('2001:db8:1:2::42', clientId, 'patina_wrong'));
    await failFrom(t, NEXT_64, clientId);
  });

  it('/patina/v1/credentials/revoke (policy.leakRevocationRateLimit)', async () => {
    const t = await startTestApp({
      config: { policy: { leakRevocationRateLimit: { max: 2, windowSeconds: 3600 } } },
    });
    const report = (remoteAddress: string) =>
      t.app.inject({
        method: 'POST',
        url: '/patina/v1/credentials/revoke',
        remoteAddress,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ credentials: [makeSecret()] }),
      });
    expect((await report(SAME_64[0]!)).statusCode).toBe(202);
    expect((await report(SAME_64[1]!)).statusCode).toBe(202);
    expectRateLimited(await report(SAME_64[2]!));
    expect((await report(NEXT_64)).statusCode).toBe(202);
  });
});

describe('X-Forwarded-For from a trusted proxy', () => {
  /** The test app's peer is 127.0.0.1 (light-my-request), listed as the proxy. */
  const proxied = () =>
    startTestApp({ config: { trustProxy: ['127.0.0.1'], policy: { lockout: LOCKOUT } } });
  const from = (client: string) => ({ 'x-forwarded-for': client });

  it('stores and counts non-canonical IPv4 spellings as the address they spell', async () => {
    const t = await proxied();
    const clientId = unknownClientId();
    await failFrom(t, '127.0.0.1', clientId, from('0x7f.0.0.2'));
    await failFrom(t, '127.0.0.1', clientId, from('127.2'));
    await failFrom(t, '127.0.0.1', clientId, from('0177.0.0.2'));
    expectLocked(await t.exchangeFrom('127.0.0.1', clientId, 'patina_wrong', from('127.0.0.2')));
    await t.services.repeatedFailures.flush();
    const failed = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(failed.map((e) => [e.source_ip, JSON.parse(e.details) as unknown])).toEqual([
      ['127.0.0.2', { reason: 'unknown_client', count: 3 }],
    ]);
  });

  it('stores the canonical address as lastUsedFrom, and stores no address for one that is none', async () => {
    const t = await proxied();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const exchanged = await t.exchangeFrom('127.0.0.1', pat.id, pat.secret, from('0xcb.0.113.9'));
    expect(exchanged.statusCode).toBe(200);
    const shown = await t.request({
      method: 'GET',
      url: `${PATINA_PATS}/${pat.id}`,
      token: t.admin.token,
    });
    expect(shown.json<{ lastUsedFrom: { ip: string }[] }>().lastUsedFrom.map((u) => u.ip)).toEqual([
      '203.0.113.9',
    ]);

    await failFrom(t, '127.0.0.1', unknownClientId(), from('not-an-address'));
    await t.services.repeatedFailures.flush();
    const failed = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(failed.map((e) => e.source_ip)).toEqual([null]);
  });

  it('takes a trustProxy entry in IPv4-mapped form as the IPv4 proxy it is', async () => {
    const t = await startTestApp({ config: { trustProxy: ['::ffff:127.0.0.0/104'] } });
    await failFrom(t, '127.0.0.1', unknownClientId(), from('198.51.100.23'));
    await t.services.repeatedFailures.flush();
    const failed = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(failed.map((e) => e.source_ip)).toEqual(['198.51.100.23']);
  });
});

describe('allowedCidrs in IPv4-mapped form', () => {
  it('is stored as the IPv4 range it maps, and matches clients of that range', async () => {
    const t = await startTestApp();
    const created = await t.request({
      method: 'POST',
      url: PATINA_PATS,
      token: t.admin.token,
      json: {
        name: 'mapped',
        scope: ['sp:my-personal-access-tokens:read'],
        allowedCidrs: ['::ffff:10.0.0.0/104', '::ffff:198.51.100.4', '10.0.0.0/8'],
      },
    });
    expect(created.statusCode).toBe(200);
    const pat = created.json<{ id: string; secret: string; allowedCidrs: string[] }>();
    expect(pat.allowedCidrs).toEqual(['10.0.0.0/8', '198.51.100.4/32']);
    expect((await t.exchangeFrom('10.20.30.40', pat.id, pat.secret)).statusCode).toBe(200);
    expect((await t.exchangeFrom('::ffff:10.20.30.40', pat.id, pat.secret)).statusCode).toBe(200);
    expect((await t.exchangeFrom('198.51.100.4', pat.id, pat.secret)).statusCode).toBe(200);
    const outside = await t.exchangeFrom('11.0.0.1', pat.id, pat.secret);
    expect(outside.statusCode).toBe(401);
    expect(outside.json()).toStrictEqual(BAD_CREDENTIALS);
  });

  it('is normalised by a merge patch too', async () => {
    const t = await startTestApp();
    const patched = await t.request({
      method: 'PATCH',
      url: `${PATINA_PATS}/${t.admin.patId}`,
      token: t.admin.token,
      json: { allowedCidrs: ['::ffff:127.0.0.1'] },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json<{ allowedCidrs: string[] }>().allowedCidrs).toEqual(['127.0.0.1/32']);
    expect((await t.exchange(t.admin.patId, t.admin.secret)).statusCode).toBe(200);
  });
});
