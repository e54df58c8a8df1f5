import { describe, expect, it } from 'vitest';
import { decodeJwt } from '../helpers.js';

/** The service identity's own PATs: what its tokens may read. */
const V3 = '/v3/personal-access-tokens?owner-id=me';
import { startJwksIssuer } from './jwks-issuer.js';
import {
  createPolicy,
  jwtBearer,
  PATINA_AUDIENCE,
  startFederationApp,
  tokenExchange,
  TRUST_POLICIES,
} from './setup.js';

const SA = 'system:serviceaccount:payments:deployer';

async function setup(policy: Record<string, unknown> = {}) {
  const { t, serviceId } = await startFederationApp();
  const issuer = await startJwksIssuer();
  const created = await createPolicy(t, {
    name: 'payments deployer',
    issuer: issuer.url,
    jwksUri: issuer.jwksUri,
    conditions: { sub: SA },
    identityId: serviceId,
    scope: ['orders:read', 'sp:my-personal-access-tokens:read'],
    maxTokenLifetimeSeconds: 300,
    ...policy,
  });
  const sign = (claims: Record<string, unknown> = {}, options = {}) =>
    issuer.sign({ sub: SA, aud: PATINA_AUDIENCE, ...claims }, options);
  return { t, serviceId, issuer, policy: created, sign };
}

describe('federated exchange', () => {
  it('trades a workload token for an access token of the policy’s identity', async () => {
    const { t, serviceId, policy, sign } = await setup();
    const incoming = await sign();
    const res = await tokenExchange(t, incoming);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json<Record<string, unknown>>();
    expect(body).toEqual({
      access_token: expect.any(String) as unknown,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'orders:read sp:my-personal-access-tokens:read',
    });
    const claims = decodeJwt(body.access_token as string).payload;
    expect(claims).toMatchObject({
      sub: serviceId,
      client_id: policy.id,
      trust_policy_id: policy.id,
      user_name: 'deploy-bot',
    });
    // The token works on Patina's own API, as the identity.
    const list = await t.request({ method: 'GET', url: V3, token: body.access_token as string });
    expect(list.statusCode).toBe(200);
    // lastUsed is written, and the use audited.
    const shown = await t.request({
      method: 'GET',
      url: `${TRUST_POLICIES}/${policy.id}`,
      token: t.admin.token,
    });
    expect(shown.json<{ lastUsed: string | null }>().lastUsed).not.toBeNull();
    const used = (await t.auditEvents()).filter((e) => e.type === 'TRUST_POLICY_USED');
    expect(used).toHaveLength(1);
    expect(JSON.stringify(await t.auditEvents())).not.toContain(incoming);
  });

  it('takes the JWT bearer grant too, answering invalid_grant on refusal', async () => {
    const { t, sign } = await setup();
    const ok = await jwtBearer(t, await sign());
    expect(ok.statusCode).toBe(200);
    const refused = await jwtBearer(t, await sign({ sub: 'system:serviceaccount:other:x' }));
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ error: string }>().error).toBe('invalid_grant');
  });

  it('never lives past the incoming token, nor past the policy’s maximum', async () => {
    const { t, sign } = await setup();
    // Patina's clock, not the wall clock: the test app's clock stands still.
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const res = await tokenExchange(t, await sign({ exp: now + 100 }));
    const body = res.json<{ expires_in: number; access_token: string }>();
    expect(body.expires_in).toBeLessThanOrEqual(100);
    expect(decodeJwt(body.access_token).payload.exp).toBeLessThanOrEqual(now + 100);
  });

  it('narrows to the requested scope and to what the identity holds now', async () => {
    const { t, sign } = await setup();
    const narrowed = await tokenExchange(t, await sign(), { scope: 'orders:read' });
    expect(narrowed.json<{ scope: string }>().scope).toBe('orders:read');
    const wider = await tokenExchange(t, await sign(), { scope: 'orders:write' });
    expect(wider.statusCode).toBe(400);
    expect(wider.json<{ error: string }>().error).toBe('invalid_scope');
  });

  describe('refuses a token failing exactly one check, saying which, never echoing it', () => {
    const cases: [string, (s: Awaited<ReturnType<typeof setup>>) => Promise<string>, RegExp][] = [
      ['not a JWT', () => Promise.resolve('not.a.jwt'), /is not a signed JWT/],
      [
        'alg HS256',
        async ({ issuer }) => {
          const { SignJWT } = await import('jose');
          return new SignJWT({ iss: issuer.url, sub: SA, aud: PATINA_AUDIENCE })
            .setProtectedHeader({ alg: 'HS256' })
            .sign(new Uint8Array(32));
        },
        /algorithm Patina does not accept/,
      ],
      [
        'alg none',
        ({ issuer }) => {
          const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
          return Promise.resolve(
            `${part({ alg: 'none' })}.${part({ iss: issuer.url, sub: SA, aud: PATINA_AUDIENCE })}.`,
          );
        },
        /algorithm Patina does not accept/,
      ],
      [
        'an unknown issuer',
        ({ sign }) => sign({ iss: 'https://elsewhere.example' }),
        /no enabled trust policy trusts/,
      ],
      [
        'a key the issuer does not publish',
        async ({ sign }) => {
          const { generateKeyPair } = await import('jose');
          const { privateKey } = await generateKeyPair('ES256');
          return sign({}, { key: privateKey, kid: 'forged' });
        },
        /names a key the issuer does not publish/,
      ],
      [
        'a bad signature',
        async ({ sign }) => {
          const { generateKeyPair } = await import('jose');
          const { privateKey } = await generateKeyPair('ES256');
          return sign({}, { key: privateKey });
        },
        /signature that does not verify/,
      ],
      [
        'an expired token',
        ({ sign }) => sign({ exp: Math.floor(Date.now() / 1000) - 120 }),
        /has expired/,
      ],
      [
        'a token not valid yet',
        ({ sign }) => sign({ nbf: Math.floor(Date.now() / 1000) + 600 }),
        /is not valid yet/,
      ],
      [
        'a token issued in the future',
        ({ sign }) =>
          sign({
            iat: Math.floor(Date.now() / 1000) + 600,
            exp: Math.floor(Date.now() / 1000) + 1200,
          }),
        /issued in the future/,
      ],
      [
        'a token too old',
        ({ sign }) => sign({ iat: Math.floor(Date.now() / 1000) - 7200 }),
        /issued more than 3600 s ago/,
      ],
      ['no jti', ({ sign }) => sign({ jti: undefined }), /has no jti/],
      [
        'the wrong audience',
        ({ sign }) => sign({ aud: 'https://someone-else.example' }),
        /wants the audience/,
      ],
      [
        'a condition unmet',
        ({ sign }) => sign({ sub: 'system:serviceaccount:payments:intruder' }),
        /condition on sub is not met/,
      ],
    ];
    for (const [name, make, message] of cases) {
      it(name, async () => {
        const s = await setup();
        const token = await make(s);
        const res = await tokenExchange(s.t, token);
        expect(res.statusCode).toBe(400);
        const body = res.json<{ error: string; error_description: string }>();
        expect(body.error).toBe('invalid_request');
        expect(body.error_description).toMatch(message);
        expect(res.body).not.toContain(token);
        const failed = (await s.t.auditEvents()).filter(
          (e) => e.type === 'TRUST_POLICY_USE_FAILED',
        );
        expect(failed).toHaveLength(1);
        expect(JSON.stringify(failed)).not.toContain(token);
      });
    }
  });

  it('counts exchanges and refusals on the overview, apart from PAT exchanges', async () => {
    const { t, sign } = await setup();
    expect((await tokenExchange(t, await sign())).statusCode).toBe(200);
    expect((await tokenExchange(t, await sign({ aud: 'https://other.example' }))).statusCode).toBe(
      400,
    );
    const res = await t.request({
      method: 'GET',
      url: '/patina/v1/overview',
      token: t.admin.token,
    });
    const body = res.json<{
      federatedExchangesPerDay: { day: string; succeeded: number; failed: number }[];
    }>();
    expect(body.federatedExchangesPerDay).toHaveLength(30);
    expect(body.federatedExchangesPerDay.at(-1)).toEqual({
      day: t.clock.now().toISOString().slice(0, 10),
      succeeded: 1,
      failed: 1,
    });
  });

  it('refuses a replayed token until it expires', async () => {
    const { t, sign } = await setup();
    const incoming = await sign();
    expect((await tokenExchange(t, incoming)).statusCode).toBe(200);
    const again = await tokenExchange(t, incoming);
    expect(again.statusCode).toBe(400);
    expect(again.json<{ error_description: string }>().error_description).toMatch(
      /was exchanged before/,
    );
  });

  it('refetches the key set for an unknown kid, at most once a minute', async () => {
    const { t, issuer, sign } = await setup();
    expect((await tokenExchange(t, await sign())).statusCode).toBe(200);
    expect(issuer.jwksFetches()).toBe(1);
    await issuer.addKey();
    // Within the minute of the last fetch, a new kid is not fetched for...
    expect((await tokenExchange(t, await sign())).statusCode).toBe(400);
    expect(issuer.jwksFetches()).toBe(1);
    // ...after it, it is.
    t.clock.advance(61_000);
    expect((await tokenExchange(t, await sign())).statusCode).toBe(200);
    expect(issuer.jwksFetches()).toBe(2);
    // A forged kid right after: no third fetch within the minute.
    const { generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await tokenExchange(t, await sign({}, { key: privateKey, kid: 'forged' }));
    expect(forged.statusCode).toBe(400);
    expect(issuer.jwksFetches()).toBe(2);
  });

  it('finds the keys through the issuer’s discovery document when no jwksUri is set', async () => {
    const { t, sign } = await setup({ jwksUri: undefined });
    expect((await tokenExchange(t, await sign())).statusCode).toBe(200);
  });

  it('ends the tokens it issued when the policy is disabled, and enabling it does not revive them', async () => {
    const { t, policy, sign } = await setup();
    const token = (await tokenExchange(t, await sign())).json<{ access_token: string }>()
      .access_token;
    const patch = (enabled: boolean) =>
      t.request({
        method: 'PATCH',
        url: `${TRUST_POLICIES}/${policy.id}`,
        token: t.admin.token,
        json: { enabled },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
    t.clock.advance(1000);
    expect((await patch(false)).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: V3, token })).statusCode).toBe(401);
    const refused = await tokenExchange(t, await sign());
    expect(refused.json<{ error_description: string }>().error_description).toMatch(
      /no enabled trust policy/,
    );
    t.clock.advance(1000);
    expect((await patch(true)).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: V3, token })).statusCode).toBe(401);
    const fresh = (await tokenExchange(t, await sign())).json<{ access_token: string }>()
      .access_token;
    expect((await t.request({ method: 'GET', url: V3, token: fresh })).statusCode).toBe(200);
  });

  it('stops at once when the identity is disabled', async () => {
    const { t, serviceId, sign } = await setup();
    const token = (await tokenExchange(t, await sign())).json<{ access_token: string }>()
      .access_token;
    const disable = await t.request({
      method: 'PATCH',
      url: `/patina/v1/identities/${serviceId}`,
      token: t.admin.token,
      json: { status: 'DISABLED' },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(disable.statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: V3, token })).statusCode).toBe(401);
    const refused = await tokenExchange(t, await sign());
    expect(refused.json<{ error_description: string }>().error_description).toMatch(
      /identity is disabled/,
    );
  });

  it('refuses a client secret, an unknown subject token type and an actor token', async () => {
    const { t, sign } = await setup();
    const token = await sign();
    for (const [extra, message] of [
      [{ client_secret: 'x' }, /client_secret/],
      [{ subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }, /subject_token_type/],
      [
        { actor_token: 'x', actor_token_type: 'urn:ietf:params:oauth:token-type:jwt' },
        /actor_token/,
      ],
    ] as const) {
      const res = await tokenExchange(t, token, extra);
      expect(res.statusCode).toBe(400);
      expect(res.json<{ error_description: string }>().error_description).toMatch(message);
    }
  });
});
