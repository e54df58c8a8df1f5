import { describe, expect, it } from 'vitest';
import { startTestApp, V3 } from '../helpers.js';

const EVERYWHERE = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

describe('security headers', () => {
  it('are on answers, errors, 404s and the OAuth endpoints alike', async () => {
    const t = await startTestApp();
    const responses = [
      await t.request({ method: 'GET', url: `${V3}?owner-id=me`, token: t.admin.token }),
      await t.request({ method: 'GET', url: V3, token: 'not-a-token' }),
      await t.request({ method: 'GET', url: '/nowhere' }),
      await t.exchange(t.admin.patId, t.admin.secret),
      await t.exchange(t.admin.patId, 'patina_wrong'),
      await t.request({ method: 'GET', url: '/.well-known/oauth-authorization-server' }),
    ];
    for (const response of responses) {
      expect(response.headers).toMatchObject(EVERYWHERE);
      // Reached over http: no HSTS (RFC 6797 §7.2: it is ignored there anyway).
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('keep every response carrying a secret out of caches', async () => {
    const t = await startTestApp();
    const created = [
      await t.postPat({ name: 'ci' }),
      await t.request({
        method: 'POST',
        url: `/patina/v1/identities/${t.admin.identity.id}/personal-access-tokens`,
        token: t.admin.token,
        json: { name: 'minted' },
      }),
    ];
    for (const response of created) {
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toHaveProperty('secret');
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('leave a route its own caching: the JWKS stays cacheable', async () => {
    const t = await startTestApp();
    const jwks = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwks.statusCode).toBe(200);
    expect(jwks.headers['cache-control']).toBe('public, max-age=60');
  });

  it('add HSTS when the public URL is https', async () => {
    const t = await startTestApp({ config: { publicBaseUrl: 'https://patina.example' } });
    for (const url of ['/health', '/nowhere']) {
      const response = await t.request({ method: 'GET', url });
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000');
    }
  });
});
