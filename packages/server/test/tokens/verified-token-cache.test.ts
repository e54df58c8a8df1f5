import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { AccessTokenError } from '../../src/tokens/access-tokens.js';
import { startTestApp } from '../helpers.js';

/**
 * AccessTokens.verify keeps each token's verified signature; what can change afterwards must
 * still be checked on every call, or a cached token would outlive its expiry, its key or its
 * audience.
 */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccessTokenError);
  return (error as AccessTokenError).message;
}

describe('the verified-token cache', () => {
  it('still refuses a token once it has expired', async () => {
    const t = await startTestApp();
    const pat = await t.mintPat(t.admin.identity.id, {
      name: 'ci',
      accessTokenValiditySeconds: 60,
    });
    const token = await t.accessToken(pat.id, pat.secret);
    const claims = await t.services.accessTokens.verify(token);
    expect(await t.services.accessTokens.verify(token)).toBe(claims);
    t.clock.advance(59_999);
    await t.services.accessTokens.verify(token);
    t.clock.advance(1);
    expect(await refusal(t.services.accessTokens.verify(token))).toBe('JWT is expired');
  });

  it('still refuses a token whose key has left its overlap after a rotation', async () => {
    const t = await startTestApp({
      config: { policy: { accessTokenValiditySeconds: { max: 60, default: 60 } } },
    });
    const pat = await t.mintPat(t.admin.identity.id, {
      name: 'ci',
      accessTokenValiditySeconds: 60,
    });
    const token = await t.accessToken(pat.id, pat.secret);
    await t.services.accessTokens.verify(token);
    t.clock.advance(1_000);
    await t.services.keyRotation.rotate(SYSTEM_CONTEXT);
    await t.services.accessTokens.verify(token); // inside the overlap: still fine
    // Make the retired key's overlap end before the token does: a key can be gone first.
    await t.storage.db
      .updateTable('signing_keys')
      .set({ verify_until: t.clock.now().toISOString() })
      .where('retired', 'is not', null)
      .execute();
    await t.services.keys.reload();
    expect(await refusal(t.services.accessTokens.verify(token))).toBe('JWT signing key is unknown');
  });

  it('checks the audience on every call, whatever an earlier call allowed', async () => {
    const orders = 'https://orders.example.com';
    const t = await startTestApp({ config: { resources: [orders] } });
    const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
    const response = await t.exchange(pat.id, pat.secret, { resource: orders });
    const token = response.json<{ access_token: string }>().access_token;
    // Introspection accepts any audience and fills the cache ...
    expect((await t.services.accessTokens.verify(token, { anyAudience: true })).aud).toBe(orders);
    // ... which must not make Patina's own API accept a token meant for another service.
    expect(await refusal(t.services.accessTokens.verify(token))).toBe('JWT claim is invalid: aud');
  });
});
