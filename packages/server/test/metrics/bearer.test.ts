import { describe, expect, it } from 'vitest';
import { HOUR_MS, V3 } from '../helpers.js';
import { startMetricsApp, value } from './scrapes.js';

describe('patina_bearer_checks_total', () => {
  it('counts each check of the API by its outcome', async () => {
    const { t, scrape } = await startMetricsApp({
      config: { policy: { accessTokenValiditySeconds: { min: 60, default: 3600 } } },
    });
    const list = (authorization?: string) =>
      t.app.inject({
        method: 'GET',
        url: V3,
        headers: authorization === undefined ? {} : { authorization },
      });
    const before = await scrape();
    expect((await list(`Bearer ${t.admin.token}`)).statusCode).toBe(200);
    expect((await list(`Bearer ${t.admin.token}`)).statusCode).toBe(200);
    expect((await list()).statusCode).toBe(401);
    expect((await list('Basic abc')).statusCode).toBe(401);
    expect((await list('Bearer not.a.jwt')).statusCode).toBe(401);
    const [header, payload, signature] = t.admin.token.split('.');
    const flipped = signature!.startsWith('A')
      ? `B${signature!.slice(1)}`
      : `A${signature!.slice(1)}`;
    expect((await list(`Bearer ${header}.${payload}.${flipped}`)).statusCode).toBe(401);
    t.clock.advance(2 * HOUR_MS);
    expect((await list(`Bearer ${t.admin.token}`)).statusCode).toBe(401);

    const text = await scrape();
    const moved = (outcome: string) =>
      (value(text, 'patina_bearer_checks_total', { outcome }) ?? 0) -
      (value(before, 'patina_bearer_checks_total', { outcome }) ?? 0);
    expect({
      valid: moved('valid'),
      missing: moved('missing'),
      malformed: moved('malformed'),
      bad_signature: moved('bad_signature'),
      expired: moved('expired'),
    }).toEqual({ valid: 2, missing: 1, malformed: 2, bad_signature: 1, expired: 1 });
    // The second call with the same token found its PAT (and its jti's verdict) in the cache.
    const lookups = (result: string) =>
      (value(text, 'patina_liveness_cache_lookups_total', { result }) ?? 0) -
      (value(before, 'patina_liveness_cache_lookups_total', { result }) ?? 0);
    expect(lookups('hit')).toBeGreaterThanOrEqual(2);
    expect(lookups('miss')).toBeGreaterThanOrEqual(0);
  });
});
