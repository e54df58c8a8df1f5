import { describe, expect, it } from 'vitest';
import { PatinaClient, PatinaConfigurationError, readEnvironment } from '../src/index.js';

const urlOf = (input: string | URL | Request) =>
  input instanceof Request ? input.url : String(input);

/** What fromEnvironment sends, seen through a fetch that answers an empty list. */
async function firstRequest(env: Record<string, string>) {
  const seen: { url: string; authorization: string | null; body: string | null }[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    seen.push({
      url: urlOf(input),
      authorization: headers.get('authorization'),
      body: typeof init?.body === 'string' ? init.body : null,
    });
    const body = urlOf(input).endsWith('/oauth/token')
      ? { access_token: 'minted', expires_in: 600 }
      : [];
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
  };
  await PatinaClient.fromEnvironment({ fetch }, env).pats.list();
  return seen;
}

describe('fromEnvironment', () => {
  it("reads Patina's names", async () => {
    const seen = await firstRequest({
      PATINA_BASE_URL: 'http://patina.test/',
      PATINA_CLIENT_ID: 'id-1',
      PATINA_CLIENT_SECRET: 'secret-1',
    });
    expect(seen.map((s) => s.url)).toEqual([
      'http://patina.test/oauth/token',
      'http://patina.test/v3/personal-access-tokens',
    ]);
    expect(new URLSearchParams(seen[0]!.body!).get('client_id')).toBe('id-1');
    expect(seen[1]!.authorization).toBe('Bearer minted');
  });

  it("honours SailPoint's names when Patina's are absent, in both spellings", () => {
    expect(
      readEnvironment({
        SAIL_BASE_URL: 'http://sail.test',
        SAIL_CLIENTID: 'id-2',
        SAIL_CLIENT_SECRET: 'secret-2',
        SAIL_CLIENTSECRET: 'ignored: the first name wins',
      }),
    ).toEqual({
      baseUrl: { value: 'http://sail.test', variable: 'SAIL_BASE_URL' },
      clientId: { value: 'id-2', variable: 'SAIL_CLIENTID' },
      clientSecret: { value: 'secret-2', variable: 'SAIL_CLIENT_SECRET' },
    });
    expect(
      readEnvironment({
        PATINA_BASE_URL: 'http://patina.test',
        SAIL_BASEURL: 'http://sail.test',
        PATINA_CLIENT_ID: '',
        SAIL_CLIENT_ID: 'id-3',
      }),
    ).toEqual({
      baseUrl: { value: 'http://patina.test', variable: 'PATINA_BASE_URL' },
      clientId: { value: 'id-3', variable: 'SAIL_CLIENT_ID' },
    });
  });

  it('uses PATINA_ACCESS_TOKEN as is when there are no client credentials', async () => {
    const seen = await firstRequest({
      PATINA_BASE_URL: 'http://patina.test',
      PATINA_ACCESS_TOKEN: 'given',
    });
    expect(seen.map((s) => [s.url, s.authorization])).toEqual([
      ['http://patina.test/v3/personal-access-tokens', 'Bearer given'],
    ]);
  });

  it('says what is missing', () => {
    const attempt = (env: Record<string, string>) => () => PatinaClient.fromEnvironment({}, env);
    expect(attempt({})).toThrow(
      new PatinaConfigurationError(
        'No base URL: set PATINA_BASE_URL or SAIL_BASE_URL or SAIL_BASEURL',
      ),
    );
    expect(attempt({ PATINA_BASE_URL: 'http://patina.test' })).toThrow(
      'No credentials: give a client id and secret (PATINA_CLIENT_ID, PATINA_CLIENT_SECRET) or an access token (PATINA_ACCESS_TOKEN)',
    );
    expect(attempt({ PATINA_BASE_URL: 'http://patina.test', PATINA_CLIENT_ID: 'x' })).toThrow(
      'A client id without its secret: set PATINA_CLIENT_SECRET or SAIL_CLIENT_SECRET or SAIL_CLIENTSECRET',
    );
    expect(attempt({ PATINA_BASE_URL: 'ftp://x', PATINA_ACCESS_TOKEN: 't' })).toThrow(
      'The base URL must start with http:// or https://',
    );
  });
});
