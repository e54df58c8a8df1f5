import { describe, expect, it } from 'vitest';
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from '@patina/contract';
import { decodeJwt, ISSUER, startTestApp, type TestApp } from '../helpers.js';
import { startJwksIssuer } from '../federation/jwks-issuer.js';
import { createPolicy, PATINA_AUDIENCE, startFederationApp } from '../federation/setup.js';
import { dpopKey, type DpopKey } from './proofs.js';

const TOKEN_URL = `${ISSUER}/oauth/token`;
const MINE_PATH = '/v3/personal-access-tokens?owner-id=me';
const MINE_URL = `${ISSUER}/v3/personal-access-tokens`;

/** The test app on the real clock: proofs carry real times. */
async function start(config: Record<string, unknown> = {}) {
  const t = await startTestApp({ config });
  t.clock.set(new Date());
  t.admin = await t.user({ name: 'Dee Pop', login: 'deepop', roles: ['ORG_ADMIN'] });
  return t;
}

async function boundToken(t: TestApp, key: DpopKey) {
  const res = await t.exchange(
    t.admin.patId,
    t.admin.secret,
    {},
    {
      dpop: await key.proof('POST', TOKEN_URL),
    },
  );
  expect(res.statusCode).toBe(200);
  return res.json<{ access_token: string; token_type: string }>();
}

/** GET the caller's PATs with these headers (Authorization, DPoP). */
function call(t: TestApp, headers: Record<string, string>) {
  return t.app.inject({ method: 'GET', url: MINE_PATH, headers });
}

describe('DPoP (RFC 9449)', () => {
  it('binds a token to the proof’s key, and the API wants a proof by that key each call', async () => {
    const t = await start();
    const key = await dpopKey();
    const { access_token: token, token_type } = await boundToken(t, key);
    expect(token_type).toBe('DPoP');
    expect(decodeJwt(token).payload.cnf).toEqual({ jkt: key.jkt });

    const ok = await call(t, {
      authorization: `DPoP ${token}`,
      dpop: await key.proof('GET', MINE_URL, { accessToken: token }),
    });
    expect(ok.statusCode).toBe(200);

    // As a bearer token, it is refused with a DPoP challenge.
    const asBearer = await call(t, { authorization: `Bearer ${token}` });
    expect(asBearer.statusCode).toBe(401);
    expect(asBearer.headers['www-authenticate']).toMatch(
      /^DPoP algs="ES256 RS256 PS256 EdDSA", error="invalid_token"/,
    );
    expect(asBearer.json<{ error: string }>().error).toMatch(/DPoP-bound/);
    expect(asBearer.body).not.toContain(token);
  });

  it('refuses a proof that fails any check, naming it, with invalid_dpop_proof', async () => {
    const t = await start();
    const key = await dpopKey();
    const other = await dpopKey();
    const { access_token: token } = await boundToken(t, key);
    const now = Math.floor(Date.now() / 1000);
    const used = await key.proof('GET', MINE_URL, { accessToken: token });
    expect((await call(t, { authorization: `DPoP ${token}`, dpop: used })).statusCode).toBe(200);
    const cases: [string, Promise<string> | string, RegExp, string?][] = [
      ['replayed', used, /used before/],
      ['wrong method', key.proof('POST', MINE_URL, { accessToken: token }), /htm/],
      ['wrong URL', key.proof('GET', `${ISSUER}/v3/identities`, { accessToken: token }), /htu/],
      ['old', key.proof('GET', MINE_URL, { accessToken: token, iat: now - 600 }), /iat/],
      ['future', key.proof('GET', MINE_URL, { accessToken: token, iat: now + 600 }), /iat/],
      ['no ath', key.proof('GET', MINE_URL), /ath/],
      ['wrong typ', key.proof('GET', MINE_URL, { accessToken: token, typ: 'JWT' }), /typ/],
      ['not a JWT', 'nonsense', /not a signed JWT/],
      [
        'another key',
        other.proof('GET', MINE_URL, { accessToken: token }),
        /another key/,
        'invalid_token',
      ],
    ];
    for (const [name, proof, message, error = 'invalid_dpop_proof'] of cases) {
      const res = await call(t, { authorization: `DPoP ${token}`, dpop: await proof });
      expect({ name, status: res.statusCode }).toEqual({ name, status: 401 });
      expect(res.json<{ error: string }>().error, name).toMatch(message);
      expect(res.headers['www-authenticate'], name).toContain(`error="${error}"`);
    }
    const none = await call(t, { authorization: `DPoP ${token}` });
    expect(none.json<{ error: string }>().error).toMatch(/a DPoP proof is required/);
  });

  it('refuses an unbound token sent with the DPoP scheme', async () => {
    const t = await start();
    const key = await dpopKey();
    const token = t.admin.token;
    const res = await call(t, {
      authorization: `DPoP ${token}`,
      dpop: await key.proof('GET', MINE_URL, { accessToken: token }),
    });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: string }>().error).toMatch(/not DPoP-bound/);
  });

  it('refuses a bad proof at the token endpoint with invalid_dpop_proof, issuing nothing', async () => {
    const t = await start();
    const key = await dpopKey();
    const proof = await key.proof('POST', TOKEN_URL);
    expect((await t.exchange(t.admin.patId, t.admin.secret, {}, { dpop: proof })).statusCode).toBe(
      200,
    );
    for (const bad of [proof, await key.proof('POST', `${ISSUER}/oauth/revoke`), 'x.y.z']) {
      const res = await t.exchange(t.admin.patId, t.admin.secret, {}, { dpop: bad });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ error: string }>().error).toBe('invalid_dpop_proof');
    }
  });

  it('asks for a server nonce when dpop.requireNonce is set, and takes the one it gave', async () => {
    const t = await start({ dpop: { requireNonce: true } });
    const key = await dpopKey();
    const first = await t.exchange(
      t.admin.patId,
      t.admin.secret,
      {},
      {
        dpop: await key.proof('POST', TOKEN_URL),
      },
    );
    expect(first.statusCode).toBe(400);
    expect(first.json<{ error: string }>().error).toBe('use_dpop_nonce');
    const nonce = first.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const second = await t.exchange(
      t.admin.patId,
      t.admin.secret,
      {},
      {
        dpop: await key.proof('POST', TOKEN_URL, { nonce }),
      },
    );
    expect(second.statusCode).toBe(200);
    const token = second.json<{ access_token: string }>().access_token;
    const noNonce = await call(t, {
      authorization: `DPoP ${token}`,
      dpop: await key.proof('GET', MINE_URL, { accessToken: token }),
    });
    expect(noNonce.statusCode).toBe(401);
    expect(noNonce.headers['www-authenticate']).toContain('error="use_dpop_nonce"');
    expect(noNonce.headers['dpop-nonce']).toBe(nonce);
    const withNonce = await call(t, {
      authorization: `DPoP ${token}`,
      dpop: await key.proof('GET', MINE_URL, { accessToken: token, nonce }),
    });
    expect(withNonce.statusCode).toBe(200);
  });

  it('says cnf and token_type DPoP in introspection, and advertises its algorithms', async () => {
    const t = await start();
    const key = await dpopKey();
    const { access_token: token } = await boundToken(t, key);
    const res = await t.postForm('/oauth/introspect', {
      token,
      client_id: t.admin.patId,
      client_secret: t.admin.secret,
    });
    expect(res.json()).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
    const metadata = await t.app.inject({
      method: 'GET',
      url: '/.well-known/oauth-authorization-server',
    });
    expect(
      metadata.json<{ dpop_signing_alg_values_supported: string[] }>()
        .dpop_signing_alg_values_supported,
    ).toEqual(['ES256', 'RS256', 'PS256', 'EdDSA']);
  });

  it('lets a trust policy require DPoP, refusing an exchange without a proof', async () => {
    const { t, serviceId } = await startFederationApp();
    const issuer = await startJwksIssuer();
    await createPolicy(t, {
      name: 'bound runner',
      issuer: issuer.url,
      jwksUri: issuer.jwksUri,
      conditions: { sub: 'system:serviceaccount:ci:runner' },
      identityId: serviceId,
      scope: ['orders:read'],
      requireDpop: true,
    });
    const sign = () =>
      issuer.sign({ sub: 'system:serviceaccount:ci:runner', aud: PATINA_AUDIENCE });
    const form = async () => ({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: await sign(),
      subject_token_type: TOKEN_TYPES.jwt,
    });
    const bare = await t.postForm('/oauth/token', await form());
    expect(bare.statusCode).toBe(400);
    expect(bare.json<{ error_description: string }>().error_description).toMatch(/requireDpop/);
    const key = await dpopKey();
    const bound = await t.postForm('/oauth/token', await form(), {
      dpop: await key.proof('POST', TOKEN_URL),
    });
    expect(bound.statusCode).toBe(200);
    expect(bound.json<{ token_type: string }>().token_type).toBe('DPoP');
  });

  it('delegates a bound token only with a proof by its key, and keeps the child bound', async () => {
    const t = await start();
    const key = await dpopKey();
    const other = await dpopKey();
    const { access_token: token } = await boundToken(t, key);
    const form = {
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: token,
      subject_token_type: TOKEN_TYPES.accessToken,
    };
    const without = await t.postForm('/oauth/token', form);
    expect(without.json<{ error_description: string }>().error_description).toMatch(/DPoP-bound/);
    const byOther = await t.postForm('/oauth/token', form, {
      dpop: await other.proof('POST', TOKEN_URL),
    });
    expect(byOther.statusCode).toBe(400);
    const byKey = await t.postForm('/oauth/token', form, {
      dpop: await key.proof('POST', TOKEN_URL),
    });
    expect(byKey.statusCode).toBe(200);
    const child = byKey.json<{ access_token: string; token_type: string }>();
    expect(child.token_type).toBe('DPoP');
    expect(decodeJwt(child.access_token).payload.cnf).toEqual({ jkt: key.jkt });
  });

  it('lets a PAT require DPoP: no exchange without a proof, and its bearer tokens end at once', async () => {
    const t = await start();
    const key = await dpopKey();
    const created = await t.request({
      method: 'POST',
      url: '/patina/v1/personal-access-tokens',
      token: t.admin.token,
      json: { name: 'bound only', scope: ['sp:my-personal-access-tokens:read'], requireDpop: true },
    });
    expect(created.statusCode).toBe(200);
    const pat = created.json<{ id: string; secret: string; requireDpop: boolean }>();
    expect(pat.requireDpop).toBe(true);
    const bare = await t.exchange(pat.id, pat.secret);
    expect(bare.statusCode).toBe(400);
    expect(bare.json<{ error_description: string }>().error_description).toMatch(
      /This PAT issues DPoP-bound tokens only \(requireDpop\)/,
    );
    const bound = await t.exchange(
      pat.id,
      pat.secret,
      {},
      { dpop: await key.proof('POST', TOKEN_URL) },
    );
    expect(bound.json<{ token_type: string }>().token_type).toBe('DPoP');

    // An existing PAT turned to DPoP-only: the bearer token it issued before stops at once.
    const token = t.admin.token;
    expect((await call(t, { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    const patched = await t.request({
      method: 'PATCH',
      url: `/patina/v1/personal-access-tokens/${t.admin.patId}`,
      token,
      json: { requireDpop: true },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.statusCode).toBe(200);
    const after = await call(t, { authorization: `Bearer ${token}` });
    expect(after.statusCode).toBe(401);
    expect(after.json<{ error: string }>().error).toMatch(/DPoP-bound tokens only/);
  });
});
