import { randomBytes } from 'node:crypto';
import { RIGHTS, SCIM_BASE, SCIM_MEDIA_TYPE, SCIM_SCHEMAS } from '@patina/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPending, PatinaApiError, PatinaClient } from '../src/index.js';
import { newUser, startPatina, type PatinaServer } from './patina-server.js';

describe('scim: the setup and the directory’s latest requests; directoryManaged', () => {
  let server: PatinaServer;
  beforeAll(async () => {
    server = await startPatina();
  });
  afterAll(() => server.stop());

  /** A request of the directory to /scim/v2, with a PAT holding patina:scim:provision. */
  async function directory(method: string, path: string, body?: unknown) {
    const made = await server.adminClient.patinaPats.create({
      name: `okta ${randomBytes(4).toString('hex')}`,
      scope: [RIGHTS.scimProvision],
    });
    if (isPending(made)) throw new Error('the SCIM token went to approval');
    return fetch(`${server.baseUrl}${SCIM_BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${made.secret}`, 'content-type': SCIM_MEDIA_TYPE },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  }

  it('config() answers the base URL to paste and the right the token needs', async () => {
    expect(await server.adminClient.scim.config()).toEqual({
      baseUrl: `${server.baseUrl}${SCIM_BASE}`,
      right: RIGHTS.scimProvision,
    });
  });

  it('events({ limit }) answers the newest requests first; Identity carries directoryManaged', async () => {
    const created = await directory('POST', '/Users', {
      schemas: [SCIM_SCHEMAS.user],
      userName: 'ada@example.com',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      active: true,
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const missing = await directory('GET', '/Users/0123456789abcdef0123456789abcdef');
    expect(missing.status).toBe(404);

    const events = await server.adminClient.scim.events({ limit: 2 });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ method: 'GET', status: 404, resourceType: 'User' });
    expect(events[1]).toMatchObject({
      method: 'POST',
      status: 201,
      resourceType: 'User',
      resourceId: id,
      name: 'ada@example.com',
    });
    expect((await server.adminClient.scim.events()).length).toBeGreaterThanOrEqual(2);

    expect(await server.adminClient.identities.get(id)).toMatchObject({ directoryManaged: true });
    const admin = new PatinaClient({ baseUrl: server.baseUrl, ...server.admin });
    const refused = await admin.identities
      .update(id, { name: 'Ada King' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PatinaApiError);
    expect(refused).toMatchObject({
      status: 409,
      messages: [
        expect.objectContaining({
          text: `Identity '${id}' is managed by the directory (SCIM): its 'name' can be changed only there`,
        }),
      ],
    });
  });

  it('events() needs all-read, as the other administration reads', async () => {
    const user = await newUser(server);
    const client = new PatinaClient({ baseUrl: server.baseUrl, ...user });
    const refused = await client.scim.events().catch((e: unknown) => e);
    expect((refused as PatinaApiError).status).toBe(403);
  });
});
