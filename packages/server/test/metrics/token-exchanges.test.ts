import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BAD_CREDENTIALS, V3 } from '../helpers.js';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { startJwksIssuer } from '../federation/jwks-issuer.js';
import {
  LOCAL_FEDERATION,
  PATINA_AUDIENCE,
  tokenExchange,
  TRUST_POLICIES,
} from '../federation/setup.js';
import { patinaSeries, startMetricsApp, value, wrongSecret } from './scrapes.js';

const exchanges = (text: string, outcome: string) =>
  value(text, 'patina_token_exchanges_total', { outcome }) ?? 0;

describe('patina_token_exchanges_total', () => {
  it('moves by exactly one for a success and one for a wrong secret', async () => {
    const { t, scrape } = await startMetricsApp();
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const before = await scrape();
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
    let text = await scrape();
    expect(exchanges(text, 'success') - exchanges(before, 'success')).toBe(1);
    expect(exchanges(text, 'wrong_secret') - exchanges(before, 'wrong_secret')).toBe(0);

    const wrong = await t.exchange(pat.id, wrongSecret(pat.secret));
    expect(wrong.json()).toEqual(BAD_CREDENTIALS);
    text = await scrape();
    expect(exchanges(text, 'success') - exchanges(before, 'success')).toBe(1);
    expect(exchanges(text, 'wrong_secret') - exchanges(before, 'wrong_secret')).toBe(1);
    // The failure is the reason the audit trail records, in lower snake case.
    const [failure] = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(JSON.parse(failure!.details)).toMatchObject({ reason: 'wrong_secret' });
  });

  it('counts an unknown client id as unknown_client, never as the id', async () => {
    const { t, scrape } = await startMetricsApp();
    const id = randomBytes(16).toString('hex');
    expect((await t.exchange(id, 'nope')).json()).toEqual(BAD_CREDENTIALS);
    const text = await scrape();
    expect(exchanges(text, 'unknown_client')).toBe(1);
    expect(text).not.toContain(id);
  });
});

describe('the failure throttle', () => {
  it('counts a client id entering it, and the exchanges it then refuses as throttled', async () => {
    const { t, scrape } = await startMetricsApp({
      config: { policy: { lockout: { maxFailures: 3 } } },
    });
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const wrong = () => t.exchange(pat.id, wrongSecret(pat.secret));
    for (let i = 0; i < 3; i++) expect((await wrong()).json()).toEqual(BAD_CREDENTIALS);
    let text = await scrape();
    expect(value(text, 'patina_failure_throttle_engaged_total')).toBe(1);
    expect(exchanges(text, 'wrong_secret')).toBe(3);
    expect((await wrong()).statusCode).toBe(429);
    expect((await wrong()).statusCode).toBe(429);
    text = await scrape();
    expect(exchanges(text, 'throttled')).toBe(2);
    expect(exchanges(text, 'wrong_secret')).toBe(3);
    expect(value(text, 'patina_failure_throttle_engaged_total')).toBe(1);
  });
});

describe('series bound', () => {
  it('does not grow with 1,000 client ids or 1,000 request paths', async () => {
    // A low per-address threshold, so the throttle is engaged during the warm-up already.
    const { t, scrape } = await startMetricsApp({
      config: { policy: { lockout: { maxFailuresPerAddress: 5, maxFailures: 3 } } },
    });
    const randomId = () => randomBytes(16).toString('hex');
    const wrongExchange = () => t.exchange(randomId(), randomBytes(24).toString('base64url'));
    const paths = [
      () => t.app.inject({ method: 'GET', url: `/${randomId()}` }),
      () => t.app.inject({ method: 'GET', url: `/no/such/${randomId()}?q=${randomId()}` }),
      () =>
        t.app.inject({
          method: 'DELETE',
          url: `${V3}/${randomId()}`,
          headers: { authorization: `Bearer ${t.admin.token}` },
        }),
    ];
    // Warm-up: each kind of request once, and enough failures to reach the throttle.
    for (let i = 0; i < 10; i++) await wrongExchange();
    for (const path of paths) await path();
    const before = patinaSeries(await scrape());
    expect(before.some((series) => series.includes('outcome="unknown_client"'))).toBe(true);
    expect(before.some((series) => series.includes('outcome="throttled"'))).toBe(true);

    for (let i = 0; i < 1000; i++) await wrongExchange();
    for (let i = 0; i < 1000; i++) await paths[i % paths.length]!();
    const text = await scrape();
    const after = patinaSeries(text);
    expect(after.length).toBe(before.length);
    expect(after).toEqual(before);
    expect(exchanges(text, 'unknown_client') + exchanges(text, 'throttled')).toBeGreaterThanOrEqual(
      1010,
    );
  });
});

describe('federated exchanges', () => {
  it('count as success, and each refused check under its own name', async () => {
    const { t, scrape } = await startMetricsApp({ config: LOCAL_FEDERATION });
    const service = await t.services.identities.create(SYSTEM_CONTEXT, {
      name: 'Deploy bot',
      login: 'deploy-bot',
      roles: ['USER'],
      rights: ['orders:read'],
    });
    const issuer = await startJwksIssuer();
    const sub = 'system:serviceaccount:payments:deployer';
    const created = await t.request({
      method: 'POST',
      url: TRUST_POLICIES,
      token: t.admin.token,
      json: {
        name: 'deployer',
        issuer: issuer.url,
        jwksUri: issuer.jwksUri,
        conditions: { sub },
        identityId: service.id,
        scope: ['orders:read'],
      },
    });
    expect(created.statusCode).toBe(201);
    // The app runs on the test clock: the workload's tokens are made at its time.
    const nowSeconds = Math.floor(t.clock.now().getTime() / 1000);
    const sign = (claims: Record<string, unknown> = {}) =>
      issuer.sign({ sub, aud: PATINA_AUDIENCE, ...claims }, { nowSeconds });
    const token = await sign();
    const before = await scrape();
    expect((await tokenExchange(t, token)).statusCode).toBe(200);
    expect((await tokenExchange(t, token)).statusCode).toBe(400);
    expect(
      (await tokenExchange(t, await sign({ aud: 'https://elsewhere.example' }))).statusCode,
    ).toBe(400);
    const text = await scrape();
    expect(exchanges(text, 'success') - exchanges(before, 'success')).toBe(1);
    expect(exchanges(text, 'federation_replayed')).toBe(1);
    expect(exchanges(text, 'federation_audience')).toBe(1);
    expect(text).not.toContain(issuer.url);
  });
});
