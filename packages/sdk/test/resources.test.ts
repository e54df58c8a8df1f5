import { ERROR_WIRE } from '@patina/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatinaApiError, PatinaClient } from '../src/index.js';
import { newUser, recordingFetch, startPatina, type PatinaServer } from './patina-server.js';

const HEX32 = /^[0-9a-f]{32}$/;
const UNKNOWN_ID = '0123456789abcdef0123456789abcdef';

async function apiError(promise: Promise<unknown>): Promise<PatinaApiError> {
  const error = await promise.catch((e: unknown) => e);
  if (!(error instanceof PatinaApiError))
    throw new Error('expected a PatinaApiError', { cause: error });
  return error;
}

describe('resources', () => {
  let server: PatinaServer;
  beforeAll(async () => {
    server = await startPatina({ config: { policy: { maxTokensPerOwner: 50 } } });
  });
  afterAll(() => server.stop());

  async function userClient(options: Parameters<typeof newUser>[1] = {}) {
    const user = await newUser(server, options);
    const recorder = recordingFetch();
    const client = new PatinaClient({
      baseUrl: server.baseUrl,
      clientId: user.clientId,
      clientSecret: user.clientSecret,
      fetch: recorder.fetch,
    });
    return { ...user, client, recorder };
  }

  it('pats: create, list, rename by JSON Patch, delete', async () => {
    const { client, identity } = await userClient();
    const created = await client.pats.create({
      name: 'CI pipeline',
      scope: ['sp:my-personal-access-tokens:read'],
      accessTokenValiditySeconds: 600,
    });
    expect(created).toMatchObject({
      name: 'CI pipeline',
      scope: ['sp:my-personal-access-tokens:read'],
      owner: { type: 'IDENTITY', id: identity.id, name: identity.name },
      accessTokenValiditySeconds: 600,
    });
    expect(created.secret).toMatch(/^patina_[0-9A-Za-z]{57}$/);

    const renamed = await client.pats.update(created.id, [
      { op: 'replace', path: '/name', value: 'CI pipeline (prod)' },
    ]);
    expect(renamed).toMatchObject({ id: created.id, name: 'CI pipeline (prod)' });
    expect(renamed).not.toHaveProperty('secret');

    const names = (await client.pats.list({ ownerId: 'me', sorters: 'name' })).map((p) => p.name);
    expect(names).toEqual(['CI pipeline (prod)', 'login']);

    await client.pats.delete(created.id);
    expect((await client.pats.list({ ownerId: 'me' })).map((p) => p.name)).toEqual(['login']);
  });

  it('pats.iterate walks every page, asking for the next only when the loop wants it', async () => {
    const { client, recorder } = await userClient();
    for (let i = 1; i <= 4; i++) await client.pats.create({ name: `token ${i}` });

    const names: string[] = [];
    for await (const pat of client.pats.iterate({ ownerId: 'me', sorters: 'name', limit: 2 })) {
      names.push(pat.name);
    }
    expect(names).toEqual(['login', 'token 1', 'token 2', 'token 3', 'token 4']);
    // Pages of 2, 2 and 1: the short page is the last.
    expect(recorder.count('/v3/personal-access-tokens')).toBe(4 + 3);

    const first: string[] = [];
    for await (const pat of client.pats.iterate({ ownerId: 'me', sorters: 'name', limit: 2 })) {
      first.push(pat.name);
      if (first.length === 2) break;
    }
    expect(first).toEqual(['login', 'token 1']);
    expect(recorder.count('/v3/personal-access-tokens')).toBe(4 + 3 + 1);

    await expect(client.pats.iterate({ limit: 0 }).next()).rejects.toThrow(RangeError);
  });

  it('pats on another API surface use its path', async () => {
    const user = await newUser(server);
    const recorder = recordingFetch();
    const client = new PatinaClient({
      baseUrl: server.baseUrl,
      clientId: user.clientId,
      clientSecret: user.clientSecret,
      apiVersion: 'v2026',
      fetch: recorder.fetch,
    });
    expect((await client.pats.list({ ownerId: 'me' })).map((p) => p.id)).toEqual([user.pat.id]);
    expect(recorder.count('/v2026/personal-access-tokens')).toBe(1);
  });

  it('identities: create, get, list, update by merge patch, a PAT made for one', async () => {
    const admin = server.adminClient;
    const made = await admin.identities.create({ name: 'Grace Hopper', login: 'grace' });
    expect(made).toMatchObject({ name: 'Grace Hopper', login: 'grace', status: 'ACTIVE' });
    expect(made.roles).toEqual(['USER']);
    expect(await admin.identities.get(made.id)).toEqual(made);

    const listed = [];
    for await (const identity of admin.identities.iterate({ limit: 1 })) listed.push(identity.id);
    expect(listed).toContain(made.id);

    const disabled = await admin.identities.update(made.id, { status: 'DISABLED' });
    expect(disabled).toMatchObject({ id: made.id, status: 'DISABLED' });
    const ssoLink = { issuer: 'https://login.example.com/', subject: 'grace' };
    expect((await admin.identities.update(made.id, { ssoLink })).ssoLink).toEqual(ssoLink);
    expect((await admin.identities.update(made.id, { ssoLink: null })).ssoLink).toBeUndefined();

    const other = await admin.identities.create({ name: 'Alan Turing', login: 'alan' });
    const pat = await admin.identities.createPat(other.id, { name: 'batch', managed: true });
    expect(pat).toMatchObject({ name: 'batch', owner: { id: other.id, name: 'Alan Turing' } });
  });

  it('audit.list filters by type, newest first', async () => {
    const { client, pat } = await userClient();
    await client.pats.create({ name: 'audited' });
    const events = await server.adminClient.audit.list({
      type: 'PERSONAL_ACCESS_TOKEN_CREATED',
      actorId: pat.owner.id,
    });
    expect(events.map((e) => [e.type, e.target.name])).toEqual([
      ['PERSONAL_ACCESS_TOKEN_CREATED', 'audited'],
    ]);
  });

  it('overview.get: live PATs by last use and expiry week, exchanges per day', async () => {
    const { client } = await userClient();
    await client.pats.create({ name: 'never used' });
    const overview = await server.adminClient.overview.get();
    expect(overview.lastUsed.never).toBeGreaterThanOrEqual(1);
    expect(overview.lastUsed.under7Days).toBeGreaterThanOrEqual(2); // the admin's and the user's
    expect(overview.expiringPerWeek).toHaveLength(12);
    expect(overview.expiringPerWeek[0]?.weekStart).toBe(overview.generatedAt.slice(0, 10));
    expect(overview.exchangesPerDay).toHaveLength(30);
    const today = overview.exchangesPerDay.at(-1);
    expect(today?.day).toBe(overview.generatedAt.slice(0, 10));
    expect(today?.succeeded).toBeGreaterThanOrEqual(2);

    const refused = await apiError(client.overview.get());
    expect(refused).toMatchObject({ status: 403 });
  });

  it('signingKeys: rotate, then list newest first', async () => {
    const admin = server.adminClient;
    const rotated = await admin.signingKeys.rotate({ algorithm: 'EdDSA' });
    expect(rotated).toMatchObject({ alg: 'EdDSA', status: 'signing', verifyUntil: null });
    const keys = await admin.signingKeys.list();
    expect(keys[0]).toEqual(rotated);
    expect(keys[1]).toMatchObject({ status: 'verifying' });
  });

  it('ssfStreams: an administrator lists every client’s streams and deletes one', async () => {
    const { pat, clientId, clientSecret, client } = await userClient({ rights: ['ssf.manage'] });
    // A receiver opens its stream through SSF itself, with an access token of its PAT.
    const token = await fetch(`${server.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const opened = await fetch(`${server.baseUrl}/ssf/streams`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token.access_token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ delivery: { method: 'urn:ietf:rfc:8936' }, description: 'sdk' }),
    });
    expect(opened.status).toBe(201);
    const { stream_id: id } = (await opened.json()) as { stream_id: string };

    const admin = server.adminClient;
    const listed = await admin.ssfStreams.list();
    expect(listed.find((s) => s.id === id)).toMatchObject({
      id,
      clientId: pat.id,
      ownerId: pat.owner.id,
      active: true,
      deliveryMethod: 'urn:ietf:rfc:8936',
      endpointUrl: null,
      description: 'sdk',
      status: 'enabled',
    });
    const iterated = [];
    for await (const stream of admin.ssfStreams.iterate({ limit: 1 })) iterated.push(stream.id);
    expect(iterated).toContain(id);

    expect(await apiError(client.ssfStreams.list())).toMatchObject({ status: 403 });
    await admin.ssfStreams.delete(id);
    expect((await admin.ssfStreams.list()).map((s) => s.id)).not.toContain(id);
    await expect(admin.ssfStreams.delete(id)).rejects.toMatchObject({ status: 404 });
  });

  it('introspect tells the client about its own token', async () => {
    const { client, identity, pat } = await userClient();
    expect(await client.introspect()).toMatchObject({
      active: true,
      client_id: pat.id,
      sub: identity.id,
      username: identity.login,
      token_type: 'Bearer',
    });
  });

  it('errors are typed: SailPoint bodies, with their trackingId', async () => {
    const { client } = await userClient();
    const illegal = await apiError(
      client.pats.create({ name: 'too short', accessTokenValiditySeconds: 5 }),
    );
    expect(illegal).toMatchObject({
      status: 400,
      code: 'ILLEGAL_VALUE',
      detailCode: ERROR_WIRE.ILLEGAL_VALUE.detailCode,
      messages: [
        {
          locale: 'en-US',
          localeOrigin: 'DEFAULT',
          text: "'accessTokenValiditySeconds' must be between 15 and 43200",
        },
      ],
      error: undefined,
    });
    expect(illegal.trackingId).toMatch(HEX32);
    expect(illegal.message).toBe(
      "POST /v3/personal-access-tokens failed with 400 400.1.3 Illegal value: 'accessTokenValiditySeconds' must be between 15 and 43200" +
        ` (trackingId ${illegal.trackingId})`,
    );

    const missing = await apiError(client.pats.delete(UNKNOWN_ID));
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND', detailCode: '404 Not found' });
    expect(missing.messages?.[0]?.text).toBe(`Personal access token '${UNKNOWN_ID}' was not found`);

    const forbidden = await apiError(client.identities.list());
    expect(forbidden).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(forbidden.messages?.[0]?.text).toBe(
      'Reading identities needs the right sp:all-personal-access-tokens:read',
    );
  });

  it('errors are typed: OAuth bodies, and no secret in the message', async () => {
    const { clientId } = await userClient();
    const wrongSecret = `patina_${'x'.repeat(57)}`;
    const client = new PatinaClient({
      baseUrl: server.baseUrl,
      clientId,
      clientSecret: wrongSecret,
    });
    const refused = await apiError(client.pats.list());
    expect(refused).toMatchObject({
      status: 401,
      code: 'invalid_client',
      error: 'invalid_client',
      errorDescription: 'Bad client credentials',
      detailCode: undefined,
      isAuthenticationFailure: true,
    });
    expect(refused.message).toBe(
      'POST /oauth/token failed with 401 invalid_client: Bad client credentials',
    );
    expect(JSON.stringify(refused)).not.toContain(wrongSecret);
  });
});
