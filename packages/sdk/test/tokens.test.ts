import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatinaApiError, PatinaClient } from '../src/index.js';
import { newUser, recordingFetch, startPatina, type PatinaServer } from './patina-server.js';

const TOKEN = '/oauth/token';
const PATS = '/v3/personal-access-tokens';

describe('access tokens', () => {
  let server: PatinaServer;
  beforeAll(async () => {
    server = await startPatina();
  });
  afterAll(() => server.stop());

  /** A client of a fresh user's PAT whose access tokens live 15 seconds, on a clock it is given. */
  async function shortLivedClient(now: () => number) {
    const user = await newUser(server, { pat: { accessTokenValiditySeconds: 15 } });
    const recorder = recordingFetch();
    const client = new PatinaClient({
      baseUrl: server.baseUrl,
      clientId: user.clientId,
      clientSecret: user.clientSecret,
      fetch: recorder.fetch,
      now,
    });
    return { client, recorder };
  }

  it('is fetched once, reused, and renewed when a quarter of its 15 s lifetime is left', async () => {
    let nowMs = Date.now();
    const { client, recorder } = await shortLivedClient(() => nowMs);

    const first = await client.accessToken();
    await client.pats.list({ ownerId: 'me' });
    expect(recorder.count(TOKEN)).toBe(1);

    // 11 s in: 4 s of 15 left, more than a quarter (3.75 s): still the same token.
    nowMs += 11_000;
    expect(await client.accessToken()).toBe(first);
    expect(recorder.count(TOKEN)).toBe(1);

    // 11.5 s in: 3.5 s left, less than a quarter: a new one, and the API accepts it.
    nowMs += 500;
    const second = await client.accessToken();
    expect(second).not.toBe(first);
    expect(recorder.count(TOKEN)).toBe(2);
    expect(await client.pats.list({ ownerId: 'me' })).toHaveLength(1);
    expect(recorder.count(TOKEN)).toBe(2);
  });

  it('is fetched by one request however many calls wait for it, at first and at renewal', async () => {
    let nowMs = Date.now();
    const { client, recorder } = await shortLivedClient(() => nowMs);

    const lists = await Promise.all(
      Array.from({ length: 50 }, () => client.pats.list({ ownerId: 'me' })),
    );
    expect(lists.map((list) => list.length)).toEqual(Array(50).fill(1));
    expect(recorder.count(TOKEN)).toBe(1);
    expect(recorder.count(PATS)).toBe(50);

    nowMs += 12_000;
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.accessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(recorder.count(TOKEN)).toBe(2);
  });

  it('that the API calls expired is replaced and the call sent once more', async () => {
    // The client's clock stands still, so it believes its token fresh; the server's does not.
    const frozen = Date.now();
    const { client, recorder } = await shortLivedClient(() => frozen);
    const stale = await client.accessToken();
    await new Promise((resolve) => setTimeout(resolve, 16_000));

    expect(await client.pats.list({ ownerId: 'me' })).toHaveLength(1);
    expect(recorder.calls.map(({ method, path, status }) => `${method} ${path} ${status}`)).toEqual(
      [`POST ${TOKEN} 200`, `GET ${PATS} 401`, `POST ${TOKEN} 200`, `GET ${PATS} 200`],
    );
    expect(await client.accessToken()).not.toBe(stale);

    // A token given as is cannot be renewed: its expiry is the caller's to handle.
    const given = new PatinaClient({ baseUrl: server.baseUrl, accessToken: stale });
    const error = await given.pats.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PatinaApiError);
    expect(error).toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
      error: 'JWT validation failed: JWT is expired',
      message:
        'GET /v3/personal-access-tokens failed with 401 JWT validation failed: JWT is expired',
    });
  });

  it('is not retried for a 401 that is not about expiry', async () => {
    const recorder = recordingFetch();
    const client = new PatinaClient({
      baseUrl: server.baseUrl,
      accessToken: 'not-a-jwt',
      fetch: recorder.fetch,
    });
    await expect(client.pats.list()).rejects.toMatchObject({
      status: 401,
      error: 'JWT validation failed: JWT is malformed',
    });
    expect(recorder.calls).toHaveLength(1);
  });
});
