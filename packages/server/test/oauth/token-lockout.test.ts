import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  expectIdentitiesAndPatsUnchanged,
  LOCKED_OUT,
  startTestApp,
  type TestApp,
  V3,
} from '../helpers.js';

const LOCKOUT = { maxFailures: 3, windowSeconds: 300, durationSeconds: 60 };

async function lockoutApp(): Promise<TestApp> {
  return startTestApp({ config: { policy: { lockout: LOCKOUT } } });
}

function expectLocked(response: LightMyRequestResponse, retryAfterSeconds: number): void {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toEqual(LOCKED_OUT);
  expect(response.headers['retry-after']).toBe(String(retryAfterSeconds));
  expect(response.headers['cache-control']).toBe('no-store');
}

const ATTACKER = '203.0.113.7';
const OWNER = '198.51.100.20';

async function failFrom(t: TestApp, address: string, clientId: string, times: number) {
  for (let i = 0; i < times; i++) {
    const response = await t.exchangeFrom(address, clientId, 'patina_wrong');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(BAD_CREDENTIALS);
  }
}

describe('POST /oauth/token: throttling of failed exchanges', () => {
  it('never refuses the right secret, whoever failed with the client id', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await failFrom(t, ATTACKER, pat.id, 3);
    expectLocked(await t.exchangeFrom(ATTACKER, pat.id, 'patina_wrong'), 60);
    // The owner, from elsewhere, and even from the attacker's address: the secret is right.
    expect((await t.exchangeFrom(OWNER, pat.id, pat.secret)).statusCode).toBe(200);
    expect((await t.exchangeFrom(ATTACKER, pat.id, pat.secret)).statusCode).toBe(200);
  });

  it('throttles a client id from one address only: the same failures from elsewhere are 401s', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await failFrom(t, ATTACKER, pat.id, 3);
    const { response } = await expectIdentitiesAndPatsUnchanged(t, () =>
      t.exchangeFrom(ATTACKER, pat.id, 'patina_wrong'),
    );
    expectLocked(response, 60);
    await failFrom(t, OWNER, pat.id, 1);
  });

  it('throttles an address that tries many client ids (maxFailuresPerAddress)', async () => {
    const t = await startTestApp({
      config: { policy: { lockout: { ...LOCKOUT, maxFailuresPerAddress: 4 } } },
    });
    for (let i = 0; i < 4; i++) await failFrom(t, ATTACKER, randomBytes(16).toString('hex'), 1);
    expectLocked(await t.exchangeFrom(ATTACKER, randomBytes(16).toString('hex'), 'x'), 60);
    await failFrom(t, OWNER, randomBytes(16).toString('hex'), 1);
    // A client with the right secret still gets in from there.
    expect((await t.exchangeFrom(ATTACKER, t.admin.patId, t.admin.secret)).statusCode).toBe(200);
  });

  it('audits the failures that set the throttle, not each one after', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await failFrom(t, ATTACKER, pat.id, 3);
    for (let i = 0; i < 20; i++) {
      expectLocked(await t.exchangeFrom(ATTACKER, pat.id, 'patina_wrong'), 60);
    }
    await t.services.repeatedFailures.flush();
    // The three of one minute share one row, with their count.
    const events = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(events.map((e) => JSON.parse(e.details) as unknown)).toEqual([
      { reason: 'wrong_secret', ownerId: t.admin.identity.id, count: 3 },
    ]);
    expect(events.map((e) => e.source_ip)).toEqual([ATTACKER]);
  });

  it('counts down Retry-After and answers failures as 401s again after durationSeconds', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await failFrom(t, ATTACKER, pat.id, 3);
    t.clock.advance(45_000);
    expectLocked(await t.exchangeFrom(ATTACKER, pat.id, 'patina_wrong'), 15);
    t.clock.advance(15_000);
    await failFrom(t, ATTACKER, pat.id, 1);
  });

  it('does not throttle before maxFailures, and a success clears the count', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await failFrom(t, OWNER, pat.id, 2);
    expect((await t.exchangeFrom(OWNER, pat.id, pat.secret)).statusCode).toBe(200);
    await failFrom(t, OWNER, pat.id, 2);
  });

  it('throttles an unknown client id the same way', async () => {
    const t = await lockoutApp();
    const unknown = 'c'.repeat(32);
    await failFrom(t, ATTACKER, unknown, 3);
    expectLocked(await t.exchangeFrom(ATTACKER, unknown, 'patina_wrong'), 60);
  });

  it('forgets failures older than windowSeconds', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await failFrom(t, ATTACKER, pat.id, 2);
    t.clock.advance(301_000);
    await failFrom(t, ATTACKER, pat.id, 2);
  });
});

describe('rate limits (per client id per API base)', () => {
  const RATE_LIMITED = { message: 'Rate Limit Exceeded' };

  async function rateLimitedApp(): Promise<TestApp> {
    return startTestApp({ config: { policy: { rateLimit: { max: 3, windowSeconds: 10 } } } });
  }

  function expectRateLimited(response: LightMyRequestResponse): void {
    expect(response.statusCode).toBe(429);
    expect(response.json()).toEqual(RATE_LIMITED);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(10);
  }

  it('limits /oauth/token per client id', async () => {
    const t = await rateLimitedApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const other = await t.mintPat(t.admin.identity.id, { name: 'other' });
    for (let i = 0; i < 3; i++) {
      expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
    }
    const { response } = await expectIdentitiesAndPatsUnchanged(t, () =>
      t.exchange(pat.id, pat.secret),
    );
    expectRateLimited(response);
    expect((await t.exchange(other.id, other.secret)).statusCode).toBe(200);
  });

  it("does not let a stranger spend a client's /oauth/token requests, nor show them", async () => {
    const t = await rateLimitedApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    for (let i = 0; i < 5; i++) await t.exchangeFrom(ATTACKER, pat.id, 'patina_wrong');
    const own = await t.exchangeFrom(OWNER, pat.id, pat.secret);
    expect(own.statusCode).toBe(200);
    expect(own.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('limits the PAT API per client id and per API base', async () => {
    const t = await rateLimitedApp();
    const get = (base: string) =>
      t.request({
        method: 'GET',
        url: `/${base}/personal-access-tokens?owner-id=me`,
        token: t.admin.token,
      });
    for (let i = 0; i < 3; i++) expect((await get('v3')).statusCode).toBe(200);
    const before = await t.snapshot();
    expectRateLimited(await get('v3'));
    expect(await t.snapshot()).toEqual(before);

    const beta = await get('beta');
    expect(beta.statusCode, beta.body).toBe(200);
  });

  it('counts each client id of the PAT API separately', async () => {
    const t = await rateLimitedApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const get = (token: string) => t.request({ method: 'GET', url: `${V3}?owner-id=me`, token });
    for (let i = 0; i < 3; i++) expect((await get(t.admin.token)).statusCode).toBe(200);
    expectRateLimited(await get(t.admin.token));
    expect((await get(bob.token)).statusCode).toBe(200);
  });
});
