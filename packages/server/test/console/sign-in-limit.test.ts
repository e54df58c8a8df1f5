import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers.js';
import { SAME_ORIGIN, startConsoleApp } from './console-app.js';
import { signInThroughIdp, startIdp, startSsoApp } from './oidc-idp.js';

/**
 * Issue 21, item 12: successful console sign-ins are limited per address
 * (`console.signInRateLimit`), as every one makes a session. Addresses are only injected
 * (light-my-request's remoteAddress): no traffic leaves the process.
 */

const LIMITED = {
  error: 'TOO_MANY_SIGN_INS',
  message: 'Too many sign-ins from this address; try again later',
};

function signIn(t: TestApp, remoteAddress: string, secret = t.admin.secret) {
  return t.app.inject({
    method: 'POST',
    url: '/ui/auth/pat',
    remoteAddress,
    headers: SAME_ORIGIN,
    payload: { clientId: t.admin.patId, clientSecret: secret },
  });
}

async function sessionCount(t: TestApp): Promise<number> {
  return (await t.storage.db.selectFrom('console_sessions').select('id').execute()).length;
}

function expectLimited(response: LightMyRequestResponse, retryAfterSeconds: number): void {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toStrictEqual(LIMITED);
  expect(response.headers['retry-after']).toBe(String(retryAfterSeconds));
  expect(response.headers['set-cookie']).toBeUndefined();
}

describe('console sign-ins per address (console.signInRateLimit)', () => {
  const limited = () =>
    startConsoleApp({ config: { console: { signInRateLimit: { max: 2, windowSeconds: 60 } } } });

  it('refuses a PAT sign-in over max with 429 and makes no session; another address signs in', async () => {
    const t = await limited();
    expect((await signIn(t, '198.51.100.7')).statusCode).toBe(200);
    expect((await signIn(t, '198.51.100.7')).statusCode).toBe(200);
    expect(await sessionCount(t)).toBe(2);
    const refused = await signIn(t, '198.51.100.7');
    expectLimited(refused, 60);
    expect(await sessionCount(t)).toBe(2);
    expect((await signIn(t, '198.51.100.8')).statusCode).toBe(200);
  });

  it('counts an IPv6 /64 as one address, and lets it in again after the window', async () => {
    const t = await limited();
    expect((await signIn(t, '2001:db8:1:2::1')).statusCode).toBe(200);
    expect((await signIn(t, '2001:db8:1:2::2')).statusCode).toBe(200);
    expectLimited(await signIn(t, '2001:db8:1:2:ffff::3'), 60);
    expect((await signIn(t, '2001:db8:1:3::1')).statusCode).toBe(200);
    t.clock.advance(30_000);
    expectLimited(await signIn(t, '2001:db8:1:2::1'), 30);
    t.clock.advance(30_000);
    expect((await signIn(t, '2001:db8:1:2::1')).statusCode).toBe(200);
  });

  it('does not count failed sign-ins: the lockout counts those', async () => {
    const t = await limited();
    for (let i = 0; i < 3; i++) {
      expect((await signIn(t, '198.51.100.7', 'patina_wrong')).statusCode).toBe(401);
    }
    expect((await signIn(t, '198.51.100.7')).statusCode).toBe(200);
    expect((await signIn(t, '198.51.100.7')).statusCode).toBe(200);
    expectLimited(await signIn(t, '198.51.100.7'), 60);
  });

  it('is on by default: the 31st sign-in from one address in 5 minutes is refused', async () => {
    const t = await startConsoleApp();
    for (let i = 0; i < 30; i++) expect((await signIn(t, '198.51.100.7')).statusCode).toBe(200);
    expectLimited(await signIn(t, '198.51.100.7'), 300);
  });
});

describe('SSO sign-ins share the limit', () => {
  it('counts an SSO sign-in, and sends a limited one back to the sign-in page', async () => {
    const idp = await startIdp();
    const t = await startSsoApp(idp);
    idp.people.set('grace', { email: 'grace@example.com', email_verified: true, name: 'Grace' });
    // 29 PAT sign-ins from the address the test provider's callback comes from (127.0.0.1).
    for (let i = 0; i < 29; i++) expect((await signIn(t, '127.0.0.1')).statusCode).toBe(200);
    const first = await signInThroughIdp(t, 'grace');
    expect(first.location).toBe('/ui/');
    expect(first.cookie).toBeDefined();
    // That was the 30th: the next one, by either way, is refused.
    const sessions = await sessionCount(t);
    const second = await signInThroughIdp(t, 'grace');
    expect(second).toEqual({
      location: '/ui/sign-in?error=SSO_TOO_MANY_SIGN_INS',
      cookie: undefined,
    });
    expectLimited(await signIn(t, '127.0.0.1'), 300);
    expect(await sessionCount(t)).toBe(sessions);
  });
});
