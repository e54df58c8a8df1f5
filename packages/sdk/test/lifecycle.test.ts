import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPending, PatinaApiError, PatinaClient, revokeLeakedCredentials } from '../src/index.js';
import { newUser, startPatina, type PatinaServer } from './patina-server.js';

const SECRET = /^patina_[0-9A-Za-z]{57}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('the token lifecycle and webhooks', () => {
  let server: PatinaServer;
  beforeAll(async () => {
    server = await startPatina({
      config: { webhooks: { allowHttp: true, allowPrivateNetworks: true } },
    });
  });
  afterAll(() => server.stop());

  /** Whether a PAT's id and secret are still exchanged for an access token. */
  async function exchanges(clientId: string, clientSecret: string): Promise<boolean | number> {
    const client = new PatinaClient({ baseUrl: server.baseUrl, clientId, clientSecret });
    try {
      return typeof (await client.accessToken()) === 'string';
    } catch (error) {
      if (error instanceof PatinaApiError) return error.status;
      throw error;
    }
  }

  function clientOf(user: { clientId: string; clientSecret: string }) {
    return new PatinaClient({ baseUrl: server.baseUrl, ...user });
  }
  /** The administrator on this source tree's client (server.adminClient is the built one). */
  const adminClient = () => clientOf(server.admin);

  it("patinaPats.create takes a description and allowedCidrs; pats.get answers Patina's fields", async () => {
    const user = await newUser(server);
    const client = clientOf(user);
    const result = await client.patinaPats.create({
      name: 'deploy',
      description: 'Deploys the web app',
      allowedCidrs: ['0.0.0.0/0', '::/0'],
    });
    // No approval rule applies: the PAT is made at once (201), not held back (202).
    if (isPending(result)) throw new Error('no approval rule is configured');
    const created = result;
    expect(created.secret).toMatch(SECRET);
    expect(created).toMatchObject({
      name: 'deploy',
      description: 'Deploys the web app',
      allowedCidrs: ['0.0.0.0/0', '::/0'],
      status: 'ACTIVE',
      lastUsedFrom: [],
      rotatedAt: null,
      previousSecretValidUntil: null,
    });
    expect(await exchanges(created.id, created.secret)).toBe(true);

    // The merge patch sets Patina's fields; get answers them with the SailPoint ones.
    const described = await client.patinaPats.update(created.id, {
      description: 'Deploys the web app (prod)',
      allowedCidrs: ['127.0.0.1/32'],
    });
    expect(described).toMatchObject({
      description: 'Deploys the web app (prod)',
      allowedCidrs: ['127.0.0.1/32'],
    });
    const got = await client.pats.get(created.id);
    expect(got).not.toHaveProperty('secret');
    expect(got).toMatchObject({
      id: created.id,
      name: 'deploy',
      description: 'Deploys the web app (prod)',
      allowedCidrs: ['127.0.0.1/32'],
      status: 'ACTIVE',
    });
    expect(got.lastUsedFrom).toEqual([
      {
        ip: '127.0.0.1',
        userAgent: expect.any(String) as unknown,
        at: expect.stringMatching(ISO) as unknown,
      },
    ]);

    const patched = await client.patinaPats.update(created.id, {
      description: null,
      allowedCidrs: null,
    });
    expect(patched).toMatchObject({ description: '', allowedCidrs: null });
    const listed = await client.patinaPats.list({ ownerId: 'me', filters: 'name eq "deploy"' });
    expect(listed.map((p) => [p.id, p.status])).toEqual([[created.id, 'ACTIVE']]);
    await client.patinaPats.delete(created.id);
    expect(await exchanges(created.id, created.secret)).toBe(401);
  });

  it('pats.rotate: the old secret works inside the grace window, the new one at once', async () => {
    const user = await newUser(server);
    const client = clientOf(user);
    const pat = await client.pats.create({ name: 'ci' });

    const rotated = await client.pats.rotate(pat.id, { gracePeriodSeconds: 3600 });
    expect(rotated.id).toBe(pat.id);
    expect(rotated.secret).toMatch(SECRET);
    expect(rotated.secret).not.toBe(pat.secret);
    expect(rotated.rotatedAt).toMatch(ISO);
    const graceMs = Date.parse(rotated.previousSecretValidUntil!) - Date.parse(rotated.rotatedAt!);
    expect(graceMs).toBe(3_600_000);
    expect(await exchanges(pat.id, rotated.secret)).toBe(true);
    expect(await exchanges(pat.id, pat.secret)).toBe(true);

    // Without a grace window the old secret stops at once.
    const other = await client.pats.create({ name: 'ci 2' });
    const now = await client.pats.rotate(other.id);
    expect(now.previousSecretValidUntil).toBeNull();
    expect(await exchanges(other.id, now.secret)).toBe(true);
    expect(await exchanges(other.id, other.secret)).toBe(401);
  });

  it('identities.offboard: a dry run changes nothing, the real run revokes and disables', async () => {
    const user = await newUser(server);
    const second = await server.adminClient.identities.createPat(user.identity.id, {
      name: 'managed one',
      managed: true,
    });
    const admin = adminClient();
    const expected = [
      { id: user.clientId, name: 'login', managed: false },
      { id: second.id, name: 'managed one', managed: true },
    ].sort((a, b) => a.id.localeCompare(b.id));
    const byId = (r: { id: string }[]) => [...r].sort((a, b) => a.id.localeCompare(b.id));

    const dry = await admin.identities.offboard(user.identity.id, { dryRun: true });
    expect({ ...dry, revoked: byId(dry.revoked) }).toEqual({
      identityId: user.identity.id,
      dryRun: true,
      disabled: true,
      revoked: expected,
    });
    expect((await admin.identities.get(user.identity.id)).status).toBe('ACTIVE');
    expect(await exchanges(user.clientId, user.clientSecret)).toBe(true);
    expect(await exchanges(second.id, second.secret)).toBe(true);

    const done = await admin.identities.offboard(user.identity.id);
    expect({ ...done, revoked: byId(done.revoked) }).toEqual({
      identityId: user.identity.id,
      dryRun: false,
      disabled: true,
      revoked: expected,
    });
    expect((await admin.identities.get(user.identity.id)).status).toBe('DISABLED');
    expect(await exchanges(user.clientId, user.clientSecret)).toBe(401);
    expect(await exchanges(second.id, second.secret)).toBe(401);

    // disable: false revokes and keeps the identity enabled.
    const kept = await newUser(server);
    const keep = await admin.identities.offboard(kept.identity.id, { disable: false });
    expect(keep).toMatchObject({ dryRun: false, disabled: false });
    expect((await admin.identities.get(kept.identity.id)).status).toBe('ACTIVE');
    expect(await exchanges(kept.clientId, kept.clientSecret)).toBe(401);
  });

  it('credentials.revoke sends no credentials and revokes exactly the leaked PAT', async () => {
    const user = await newUser(server);
    const leaked = await clientOf(user).pats.create({ name: 'leaked' });
    const safe = await clientOf(user).pats.create({ name: 'safe' });
    const seen: { path: string; authorization: string | null }[] = [];
    const anonymous = new PatinaClient({
      baseUrl: server.baseUrl,
      accessToken: 'not-a-token',
      fetch: async (input, init) => {
        const headers = new Headers(init?.headers);
        seen.push({
          path: new URL(input instanceof Request ? input.url : input).pathname,
          authorization: headers.get('authorization'),
        });
        return fetch(input, init);
      },
    });
    await anonymous.credentials.revoke([leaked.secret, 'not a secret', leaked.secret]);
    expect(seen).toEqual([{ path: '/patina/v1/credentials/revoke', authorization: null }]);
    expect(await exchanges(leaked.id, leaked.secret)).toBe(401);
    expect(await exchanges(safe.id, safe.secret)).toBe(true);
    expect(await exchanges(user.clientId, user.clientSecret)).toBe(true);

    // Without a client: the base URL is all a finder needs.
    await revokeLeakedCredentials({ baseUrl: server.baseUrl }, [safe.secret]);
    expect(await exchanges(safe.id, safe.secret)).toBe(401);
    expect(await exchanges(user.clientId, user.clientSecret)).toBe(true);
  });

  it('webhooks: create (secret once), get, update, rotateSecret, test, deliveries, delete', async () => {
    const hooks = adminClient().webhooks;
    const created = await hooks.create({
      url: 'http://127.0.0.1:9/hook',
      events: ['personal_access_token.created'],
      description: 'audit sink',
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({ url: 'http://127.0.0.1:9/hook', enabled: true });
    const got = await hooks.get(created.id);
    expect(got).not.toHaveProperty('secret');
    expect((await hooks.list()).map((w) => w.id)).toContain(created.id);

    const updated = await hooks.update(created.id, { description: 'renamed', enabled: false });
    expect(updated).toMatchObject({ description: 'renamed', enabled: false });
    await hooks.update(created.id, { enabled: true });

    const rotated = await hooks.rotateSecret(created.id);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previousSecretExpiresAt).toMatch(ISO);

    const ping = await hooks.test(created.id);
    const deliveries = await hooks.deliveries(created.id);
    expect(deliveries.map((d) => [d.id, d.eventId, d.eventType])).toEqual([
      [ping.deliveryId, ping.eventId, 'ping'],
    ]);
    const collected = [];
    for await (const d of hooks.iterateDeliveries(created.id, { limit: 1 })) collected.push(d.id);
    expect(collected).toEqual([ping.deliveryId]);

    await hooks.delete(created.id);
    const gone = await hooks.get(created.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(PatinaApiError);
    expect((gone as PatinaApiError).status).toBe(404);
  });
});
