import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { decodeJwt, type TestApp } from '../helpers.js';
import { startJwksIssuer } from './jwks-issuer.js';
import { createPolicy, PATINA_AUDIENCE, startFederationApp } from './setup.js';

const MINE = '/v3/personal-access-tokens?owner-id=me';

/** RFC 8693 exchange of a Patina access token for a narrower one. */
function delegate(t: TestApp, subject: string, extra: Record<string, string> = {}) {
  return t.postForm('/oauth/token', {
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: subject,
    subject_token_type: TOKEN_TYPES.accessToken,
    ...extra,
  });
}

async function person(t: TestApp) {
  const pat = await t.mintPat(t.admin.identity.id, {
    name: 'agent source',
    scope: ['sp:my-personal-access-tokens:manage', 'orders:read', 'orders:write'],
  });
  const res = await t.exchange(pat.id, pat.secret);
  return { pat, token: res.json<{ access_token: string }>().access_token };
}

describe('delegation (RFC 8693 with a Patina token as the subject)', () => {
  it('derives a narrower, no longer-lived token for the same identity and credential', async () => {
    const { t } = await startFederationApp();
    const { pat, token } = await person(t);
    const res = await delegate(t, token, { scope: 'orders:read' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ access_token: string; scope: string; expires_in: number }>();
    expect(body.scope).toBe('orders:read');
    const parent = decodeJwt(token).payload;
    const child = decodeJwt(body.access_token).payload;
    expect(child).toMatchObject({
      sub: parent.sub,
      client_id: pat.id,
      delegation_depth: 1,
      auth_time: parent.iat,
    });
    expect(child.exp).toBeLessThanOrEqual(parent.exp as number);
    expect(child.act).toBeUndefined();
    expect(
      (await delegate(t, token, { scope: 'orders:read sp:all-personal-access-tokens:manage' }))
        .statusCode,
    ).toBe(400);
  });

  it('records the actor as act, nesting the earlier actors of the chain', async () => {
    const { t } = await startFederationApp();
    const { token } = await person(t);
    const agent = await t.user({ name: 'Agent', login: 'agent-one' });
    const tool = await t.user({ name: 'Tool', login: 'tool-two' });
    const first = await delegate(t, token, {
      actor_token: agent.token,
      actor_token_type: TOKEN_TYPES.accessToken,
    });
    expect(first.statusCode).toBe(200);
    const firstToken = first.json<{ access_token: string }>().access_token;
    const second = await delegate(t, firstToken, {
      actor_token: tool.token,
      actor_token_type: TOKEN_TYPES.accessToken,
      scope: 'orders:read',
    });
    expect(second.statusCode).toBe(200);
    const claims = decodeJwt(second.json<{ access_token: string }>().access_token).payload;
    expect(claims.delegation_depth).toBe(2);
    expect(claims.act).toEqual({
      sub: tool.identity.id,
      client_id: tool.patId,
      act: { sub: agent.identity.id, client_id: agent.patId },
    });
    // A hop without a new actor keeps the chain's actors.
    const third = await delegate(t, second.json<{ access_token: string }>().access_token);
    const kept = decodeJwt(third.json<{ access_token: string }>().access_token).payload;
    expect(kept.delegation_depth).toBe(3);
    expect(kept.act).toEqual(claims.act);
  });

  it('takes a workload token a trust policy accepts as the actor', async () => {
    const { t, serviceId } = await startFederationApp();
    const issuer = await startJwksIssuer();
    const policy = await createPolicy(t, {
      name: 'agent runner',
      issuer: issuer.url,
      jwksUri: issuer.jwksUri,
      conditions: { sub: 'system:serviceaccount:agents:runner' },
      identityId: serviceId,
      scope: ['orders:read'],
    });
    const { token } = await person(t);
    const actor = await issuer.sign({
      sub: 'system:serviceaccount:agents:runner',
      aud: PATINA_AUDIENCE,
    });
    const res = await delegate(t, token, { actor_token: actor, actor_token_type: TOKEN_TYPES.jwt });
    expect(res.statusCode).toBe(200);
    const claims = decodeJwt(res.json<{ access_token: string }>().access_token).payload;
    expect(claims.act).toEqual({ sub: serviceId, client_id: policy.id, iss: issuer.url });
  });

  it('refuses a chain deeper than federation.maxDelegationDepth', async () => {
    const { t } = await startFederationApp({
      federation: { allowHttp: true, allowPrivateNetworks: true, maxDelegationDepth: 2 },
    });
    let { token } = await person(t);
    for (let depth = 1; depth <= 2; depth++) {
      const res = await delegate(t, token);
      expect(res.statusCode).toBe(200);
      token = res.json<{ access_token: string }>().access_token;
    }
    const refused = await delegate(t, token);
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ error_description: string }>().error_description).toMatch(
      /at most 2 are allowed \(federation.maxDelegationDepth\)/,
    );
  });

  it('dies with the PAT behind the chain, and with a rotation that retires its root', async () => {
    const { t } = await startFederationApp();
    const { pat, token } = await person(t);
    const child = (await delegate(t, token)).json<{ access_token: string }>().access_token;
    expect((await t.request({ method: 'GET', url: MINE, token: child })).statusCode).toBe(200);
    // A rotation without grace retires the root token, so the child, minted later, too.
    t.clock.advance(1000);
    const rotated = await t.request({
      method: 'POST',
      url: `/patina/v1/personal-access-tokens/${pat.id}/rotate`,
      token: t.admin.token,
      json: { gracePeriodSeconds: 0 },
    });
    expect(rotated.statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: MINE, token: child })).statusCode).toBe(401);
    expect((await delegate(t, token)).statusCode).toBe(400);
  });

  it('never creates or rotates a PAT, nor makes a trust policy', async () => {
    const { t, serviceId } = await startFederationApp();
    const { pat, token } = await person(t);
    const child = (await delegate(t, token)).json<{ access_token: string }>().access_token;
    const create = await t.request({
      method: 'POST',
      url: '/v3/personal-access-tokens',
      token: child,
      json: { name: 'escape', scope: ['orders:read'] },
    });
    expect(create.statusCode).toBe(403);
    expect(create.body).toMatch(/not possible with a delegated token/);
    const rotate = await t.request({
      method: 'POST',
      url: `/patina/v1/personal-access-tokens/${pat.id}/rotate`,
      token: child,
      json: {},
    });
    expect(rotate.statusCode).toBe(403);
    const admin = (await delegate(t, t.admin.token)).json<{ access_token: string }>().access_token;
    const policy = await t.request({
      method: 'POST',
      url: '/patina/v1/federation/trust-policies',
      token: admin,
      json: {
        name: 'x',
        template: 'github-actions',
        templateParameters: { repository: 'acme/app' },
        identityId: serviceId,
        scope: ['orders:read'],
      },
    });
    expect(policy.statusCode).toBe(403);
  });

  it('refuses a subject that is not a live Patina token, and an actor without its type', async () => {
    const { t } = await startFederationApp();
    const { token } = await person(t);
    const bad = await delegate(t, 'not-a-token');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error_description: string }>().error_description).toMatch(
      /The subject_token is not a live Patina access token/,
    );
    expect(bad.body).not.toContain('not-a-token');
    const noType = await delegate(t, token, { actor_token: token });
    expect(noType.json<{ error_description: string }>().error_description).toMatch(
      /actor_token_type/,
    );
    const twoResources = t.postForm(
      '/oauth/token?resource=https%3A%2F%2Fa.example&resource=https%3A%2F%2Fb.example',
      {
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: token,
        subject_token_type: TOKEN_TYPES.accessToken,
      },
    );
    expect((await twoResources).statusCode).toBe(400);
  });

  it('narrows the audience, never re-aims it at a service the subject was not for', async () => {
    const ORDERS = 'https://orders.example';
    const { t } = await startFederationApp({
      federation: { allowHttp: true, allowPrivateNetworks: true },
      resources: [ORDERS],
    });
    const pat = await t.mintPat(t.admin.identity.id, {
      name: 'two audiences',
      scope: ['orders:read'],
    });
    const both = (
      await t.postForm(
        `/oauth/token?resource=${encodeURIComponent(ORDERS)}&resource=${encodeURIComponent(PATINA_AUDIENCE)}`,
        { grant_type: 'client_credentials', client_id: pat.id, client_secret: pat.secret },
      )
    ).json<{ access_token: string }>().access_token;
    const undecided = await delegate(t, both);
    expect(undecided.json<{ error_description: string }>().error_description).toMatch(
      /several audiences/,
    );
    const narrowed = await delegate(t, both, { resource: ORDERS });
    expect(narrowed.statusCode).toBe(200);
    const child = narrowed.json<{ access_token: string }>().access_token;
    expect(decodeJwt(child).payload.aud).toBe(ORDERS);
    // The orders-only token cannot be turned into one for Patina's own API.
    const reaimed = await delegate(t, child, { resource: PATINA_AUDIENCE });
    expect(reaimed.statusCode).toBe(400);
    expect(reaimed.json<{ error_description: string }>().error_description).toMatch(
      /not one the subject_token is for/,
    );
    // Without resource, a single-audience subject keeps its audience.
    const kept = (await delegate(t, child)).json<{ access_token: string }>().access_token;
    expect(decodeJwt(kept).payload.aud).toBe(ORDERS);
  });
});
