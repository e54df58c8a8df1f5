import { describe, expect, it } from 'vitest';
import { readRetryAfter } from '../src/http.js';
import { PatinaApiError, PatinaClient, PatinaConnectionError } from '../src/index.js';

const urlOf = (input: string | URL | Request) =>
  input instanceof Request ? input.url : String(input);

/**
 * The retry bounds and error readings that a real server cannot be made to show on demand (an
 * endless 429, a proxy's page, no server at all), against a fetch that answers what it is told.
 */
function scriptedFetch(answer: () => Response) {
  const seen: string[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    seen.push(`${init?.method ?? 'GET'} ${new URL(urlOf(input)).pathname}`);
    return Promise.resolve(answer());
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

const client = (fetch: typeof globalThis.fetch, retry?: { maxRetries?: number }) =>
  new PatinaClient({
    baseUrl: 'http://patina.test',
    accessToken: 'at',
    fetch,
    ...(retry && { retry }),
  });

describe('retries', () => {
  it('give up after maxRetries (default 2) and throw the last answer', async () => {
    const { fetch, seen } = scriptedFetch(() =>
      json(429, { message: 'Rate Limit Exceeded' }, { 'retry-after': '0' }),
    );
    await expect(client(fetch).pats.list()).rejects.toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      retryAfterSeconds: 0,
    });
    expect(seen).toEqual(Array(3).fill('GET /v3/personal-access-tokens'));
  });

  it('cover 503, backing off 1 s when there is no Retry-After', async () => {
    let answers = 0;
    const { fetch, seen } = scriptedFetch(() =>
      answers++ === 0
        ? json(503, {
            detailCode: '503 Service Unavailable',
            trackingId: 'f'.repeat(32),
            messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: 'down' }],
            causes: [],
          })
        : json(200, []),
    );
    const started = Date.now();
    expect(await client(fetch).pats.list()).toEqual([]);
    expect(seen).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('never repeat other errors', async () => {
    const { fetch, seen } = scriptedFetch(() => json(500, {}));
    await expect(client(fetch).pats.list()).rejects.toMatchObject({ status: 500 });
    expect(seen).toHaveLength(1);
  });

  it('read Retry-After as seconds or as an HTTP date (RFC 9110 §10.2.3)', () => {
    const now = Date.parse('2026-01-15T10:00:00.000Z');
    expect(readRetryAfter('7', now)).toBe(7);
    expect(readRetryAfter('Thu, 15 Jan 2026 10:00:30 GMT', now)).toBe(30);
    expect(readRetryAfter('Thu, 15 Jan 2026 09:00:00 GMT', now)).toBe(0);
    expect(readRetryAfter('soon', now)).toBeUndefined();
    expect(readRetryAfter(null, now)).toBeUndefined();
  });
});

describe('errors', () => {
  it('of a page that is not JSON say only the status, never the page', async () => {
    const { fetch } = scriptedFetch(
      () => new Response('<html>secret proxy page</html>', { status: 502 }),
    );
    const error = (await client(fetch)
      .pats.delete('86f1dc6fe8f54414950454cbb11278fa')
      .catch((e: unknown) => e)) as PatinaApiError;
    expect(error).toBeInstanceOf(PatinaApiError);
    expect({ status: error.status, code: error.code, message: error.message }).toEqual({
      status: 502,
      code: 'UNKNOWN',
      message: 'DELETE /v3/personal-access-tokens/{id} failed with 502 HTTP 502',
    });
  });

  it('without an answer are PatinaConnectionError, naming the route and not the secret', async () => {
    const patina = new PatinaClient({
      baseUrl: 'http://127.0.0.1:9',
      clientId: 'a'.repeat(32),
      clientSecret: 'patina_not-sent-anywhere',
    });
    const error = (await patina.pats.list().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PatinaConnectionError);
    expect(error.message).toMatch(
      /^Cannot reach Patina at http:\/\/127\.0\.0\.1:9 for POST \/oauth\/token: fetch failed/,
    );
    expect(error.message).not.toContain('patina_not');
  });
});
