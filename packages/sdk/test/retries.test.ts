import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatinaApiError, PatinaClient } from '../src/index.js';
import { newUser, recordingFetch, startPatina, type PatinaServer } from './patina-server.js';

const PATS = '/v3/personal-access-tokens';
const WINDOW_SECONDS = 2;

describe('429 answers', () => {
  let server: PatinaServer;
  beforeAll(async () => {
    // Three requests per client per API base per two seconds.
    server = await startPatina({
      config: { policy: { rateLimit: { max: 3, windowSeconds: WINDOW_SECONDS } } },
    });
  });
  afterAll(() => server.stop());

  async function limitedClient(retry?: { maxRetries?: number; maxDelayMs?: number }) {
    const user = await newUser(server);
    const recorder = recordingFetch();
    const client = new PatinaClient({
      baseUrl: server.baseUrl,
      clientId: user.clientId,
      clientSecret: user.clientSecret,
      fetch: recorder.fetch,
      ...(retry && { retry }),
    });
    // Spend the window's three requests.
    for (let i = 0; i < 3; i++) await client.pats.list({ ownerId: 'me' });
    return { client, recorder };
  }

  it('are retried after the Retry-After the server sent', async () => {
    const { client, recorder } = await limitedClient();
    expect(await client.pats.list({ ownerId: 'me' })).toHaveLength(1);

    const lists = recorder.calls.filter((call) => call.path === PATS);
    expect(lists.map((call) => call.status)).toEqual([200, 200, 200, 429, 200]);
    const [refused, retried] = lists.slice(3);
    // Retry-After is the rest of the window in whole seconds: 1 or 2 here.
    expect(retried!.atMs - refused!.atMs).toBeGreaterThanOrEqual(900);
  });

  it('are thrown typed, with the Retry-After, when retrying is off', async () => {
    const { client } = await limitedClient({ maxRetries: 0 });
    const error = await client.pats.list({ ownerId: 'me' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PatinaApiError);
    const { status, code, retryAfterSeconds, message } = error as PatinaApiError;
    expect({ status, code, message }).toEqual({
      status: 429,
      code: 'RATE_LIMITED',
      message: 'GET /v3/personal-access-tokens failed with 429 Rate Limit Exceeded',
    });
    expect([1, 2]).toContain(retryAfterSeconds);
  });

  it('are not waited out when Retry-After is longer than maxDelayMs', async () => {
    const { client, recorder } = await limitedClient({ maxDelayMs: 100 });
    const started = Date.now();
    await expect(client.pats.list({ ownerId: 'me' })).rejects.toMatchObject({ status: 429 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(recorder.count(PATS)).toBe(4);
  });

  it('waits are cut short by the caller’s AbortSignal', async () => {
    const { client } = await limitedClient();
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('caller gave up')), 100);
    await expect(client.pats.list({ ownerId: 'me', signal: controller.signal })).rejects.toThrow(
      'caller gave up',
    );
    expect(Date.now() - started).toBeLessThan(800);
  });
});
