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

async function fail(t: TestApp, clientId: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const response = await t.exchange(clientId, 'patina_wrong');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(BAD_CREDENTIALS);
  }
}

function expectLocked(response: LightMyRequestResponse, retryAfterSeconds: number): void {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toEqual(LOCKED_OUT);
  expect(response.headers['retry-after']).toBe(String(retryAfterSeconds));
  expect(response.headers['cache-control']).toBe('no-store');
}

describe('POST /oauth/token: lockout after repeated failures', () => {
  it('refuses even the right secret once maxFailures is reached', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await fail(t, pat.id, 3);
    const { response } = await expectIdentitiesAndPatsUnchanged(t, () =>
      t.exchange(pat.id, pat.secret),
    );
    expectLocked(response, 60);
    expect(response.body).not.toContain(pat.secret);
  });

  it('records a locked-out attempt as a failed exchange, without the secret', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await fail(t, pat.id, 3);
    expectLocked(await t.exchange(pat.id, pat.secret), 60);
    const events = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(events.map((e) => JSON.parse(e.details) as unknown)).toEqual([
      { reason: 'wrong_secret', ownerId: t.admin.identity.id },
      { reason: 'wrong_secret', ownerId: t.admin.identity.id },
      { reason: 'wrong_secret', ownerId: t.admin.identity.id },
      { reason: 'locked_out' },
    ]);
    expect(events[3]).toMatchObject({ target_id: pat.id, outcome: 'FAILURE' });
    expect(JSON.stringify(events)).not.toContain(pat.secret);
  });

  it('counts down Retry-After and lets the client in after durationSeconds', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await fail(t, pat.id, 3);
    t.clock.advance(45_000);
    expectLocked(await t.exchange(pat.id, pat.secret), 15);
    t.clock.advance(15_000);
    const response = await t.exchange(pat.id, pat.secret);
    expect(response.statusCode, response.body).toBe(200);
  });

  it('does not lock before maxFailures', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await fail(t, pat.id, 2);
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
  });

  it('locks out an unknown client id the same way', async () => {
    const t = await lockoutApp();
    const unknown = 'c'.repeat(32);
    await fail(t, unknown, 3);
    const { response } = await expectIdentitiesAndPatsUnchanged(t, () =>
      t.exchange(unknown, 'patina_wrong'),
    );
    expectLocked(response, 60);
  });

  it('resets the failure count on a success', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await fail(t, pat.id, 2);
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
    await fail(t, pat.id, 2);
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
  });

  it('counts failures per client id', async () => {
    const t = await lockoutApp();
    const locked = await t.mintPat(t.admin.identity.id, { name: 'locked' });
    const other = await t.mintPat(t.admin.identity.id, { name: 'other' });
    await fail(t, locked.id, 3);
    expectLocked(await t.exchange(locked.id, locked.secret), 60);
    expect((await t.exchange(other.id, other.secret)).statusCode).toBe(200);
  });

  it('forgets failures older than windowSeconds', async () => {
    const t = await lockoutApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    await fail(t, pat.id, 2);
    t.clock.advance(301_000);
    await fail(t, pat.id, 2);
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
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
