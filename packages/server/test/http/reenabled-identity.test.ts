import { describe, expect, it } from 'vitest';
import { startTestApp, V3 } from '../helpers.js';

describe('an identity disabled and enabled again', () => {
  it('does not bring back the access tokens issued before it was disabled', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const list = (token: string) => t.request({ method: 'GET', url: `${V3}?owner-id=me`, token });
    expect((await list(bob.token)).statusCode).toBe(200);

    t.clock.advance(60_000);
    expect((await t.patchIdentity(bob.identity.id, { status: 'DISABLED' })).statusCode).toBe(200);
    expect((await list(bob.token)).statusCode).toBe(401);
    t.clock.advance(60_000);
    expect((await t.patchIdentity(bob.identity.id, { status: 'ACTIVE' })).statusCode).toBe(200);

    const old = await list(bob.token);
    expect(old.statusCode).toBe(401);
    expect(old.json()).toEqual({
      error: 'JWT validation failed: the identity behind this JWT was disabled after it was issued',
    });
    // Introspection agrees.
    const introspected = await t.postForm('/oauth/introspect', {
      token: bob.token,
      client_id: bob.patId,
      client_secret: bob.secret,
    });
    expect(introspected.json()).toEqual({ active: false });

    // The PAT itself works again: a token minted now is good.
    t.clock.advance(1000);
    const fresh = await t.accessToken(bob.patId, bob.secret);
    expect((await list(fresh)).statusCode).toBe(200);
  });
});
