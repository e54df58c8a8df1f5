import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { PatsRepository } from '../../src/storage/pats-repository.js';
import { databaseUnavailable } from '../../src/storage/outage.js';
import { AccessTokenError } from '../../src/tokens/access-tokens.js';
import {
  captureLogger,
  decodeJwt,
  expectRefused,
  expectSailPointError,
  ILLEGAL,
  MISSING,
  startTestApp,
  UNKNOWN_ID,
  V3,
  type TestApp,
} from '../helpers.js';

const INTERNAL = 'An internal fault occurred; quote the trackingId when reporting it';
const UNAVAILABLE = 'The service cannot reach its database right now; retry shortly';

/** A create request as the admin with this content type and raw body. */
function postRaw(t: TestApp, contentType: string, payload: string) {
  return t.request({
    method: 'POST',
    url: V3,
    token: t.admin.token,
    headers: { 'content-type': contentType },
    payload,
  });
}

describe('malformed requests', () => {
  it('answers malformed JSON with 400.1 and changes nothing', async () => {
    const t = await startTestApp();
    await expectRefused(t, () => postRaw(t, 'application/json', '{"name": "half'), [
      400,
      '400.1 Bad Request Content',
      'The request body is not valid JSON',
    ]);
  });

  it.each([
    { what: 'an array', json: [{ name: 'x' }] },
    { what: 'a string', json: '{"name":"x"}' },
    { what: 'a number', json: 42 },
    { what: 'null', json: null },
  ])('answers a JSON body that is $what with 400 and changes nothing', async ({ json }) => {
    const t = await startTestApp();
    await expectRefused(t, () => t.postPat(json), [400, ILLEGAL, "'body' must be an object"]);
  });

  it('answers an empty JSON body with 400.1.0 and changes nothing', async () => {
    const t = await startTestApp();
    await expectRefused(t, () => postRaw(t, 'application/json', ''), [
      400,
      MISSING,
      'The request body is empty; a JSON body is required',
    ]);
  });

  it('answers a content type it does not read with 415 and changes nothing', async () => {
    const t = await startTestApp();
    await expectRefused(t, () => postRaw(t, 'application/xml', '<pat><name>x</name></pat>'), [
      415,
      '415 Unsupported Media Type',
      'The request Content-Type is not supported here; send application/json',
    ]);
  });

  it('does not take a text/plain body for JSON, even when it holds JSON', async () => {
    const t = await startTestApp();
    // No text/plain parser: a text body never reaches validation, whatever it holds.
    await expectRefused(t, () => postRaw(t, 'text/plain', '{"name":"plain"}'), [
      415,
      '415 Unsupported Media Type',
      'The request Content-Type is not supported here; send application/json',
    ]);
  });

  it('answers a body over bodyLimitBytes with 413 and changes nothing', async () => {
    const t = await startTestApp({ config: { bodyLimitBytes: 1024 } });
    await expectRefused(t, () => t.postPat({ name: 'x'.repeat(2048) }), [
      413,
      '413 Payload Too Large',
      'The request body is larger than this server accepts',
    ]);
  });
});

describe('unknown routes', () => {
  it('answers an unknown path with a SailPoint 404 that does not echo the query string', async () => {
    const t = await startTestApp();
    const res = await expectRefused(
      t,
      () =>
        t.request({
          method: 'GET',
          url: '/v3/personal-access-token?client_secret=hunter2',
          token: t.admin.token,
        }),
      [404, '404 Not found', 'No resource at GET /v3/personal-access-token'],
    );
    expect(res.body).not.toContain('hunter2');
  });

  it.each([
    { method: 'PUT', url: V3 },
    { method: 'DELETE', url: V3 },
    { method: 'PUT', url: `${V3}/${UNKNOWN_ID}` },
    { method: 'DELETE', url: `/patina/v1/identities/${UNKNOWN_ID}` },
  ] as const)('answers $method $url with a SailPoint 404', async ({ method, url }) => {
    const t = await startTestApp();
    await expectRefused(t, () => t.request({ method, url, token: t.admin.token }), [
      404,
      '404 Not found',
      `No resource at ${method} ${url}`,
    ]);
  });
});

describe('internal faults', () => {
  it('answers a failing repository with 500.0 and no detail of the fault', async () => {
    const t = await startTestApp();
    vi.spyOn(t.services.storage.repos.pats, 'list').mockRejectedValue(new Error('boom secret-ish'));
    const res = await expectRefused(
      t,
      () => t.request({ method: 'GET', url: V3, token: t.admin.token }),
      [500, '500.0 Internal Fault', INTERNAL],
    );
    expect(res.body).not.toContain('boom');
  });

  it('rolls back a write that fails half way, audit event included', async () => {
    const t = await startTestApp();
    const insert = vi
      .spyOn(PatsRepository.prototype, 'insert')
      .mockRejectedValue(new Error('boom disk full'));
    onTestFinished(() => insert.mockRestore());
    const res = await expectRefused(t, () => t.postPat({ name: 'doomed' }), [
      500,
      '500.0 Internal Fault',
      INTERNAL,
    ]);
    expect(res.body).not.toContain('boom');
  });

  it('answers a fault on the admin API the same way', async () => {
    const t = await startTestApp();
    vi.spyOn(t.services.storage.repos.audit, 'list').mockRejectedValue(new Error('boom'));
    const res = await t.request({
      method: 'GET',
      url: '/patina/v1/audit-events',
      token: t.admin.token,
    });
    expectSailPointError(res, 500, '500.0 Internal Fault', INTERNAL);
    expect(res.body).not.toContain('boom');
  });
});

describe('one answer per kind of error, wherever it is thrown', () => {
  const EXPIRED = {
    status: 401,
    body: { error: 'JWT validation failed: JWT is expired' },
    challenge: 'Bearer realm="patina", error="invalid_token", error_description="JWT is expired"',
  };

  it('answers a bad access token met inside a route exactly as the bearer hook does', async () => {
    const t = await startTestApp();
    const list = () => t.request({ method: 'GET', url: V3, token: t.admin.token });
    const answer = (res: Awaited<ReturnType<typeof list>>) => ({
      status: res.statusCode,
      body: res.json<unknown>(),
      challenge: res.headers['www-authenticate'],
    });

    // A route that finds a token bad (as a service checking one would): the hook has passed.
    const spy = vi
      .spyOn(t.services.pats, 'list')
      .mockRejectedValue(new AccessTokenError('TOKEN_EXPIRED', 'JWT is expired'));
    const inRoute = await list();
    spy.mockRestore();

    // The hook refusing the same token once it has expired.
    const exp = decodeJwt(t.admin.token).payload.exp as number;
    t.clock.set(new Date(exp * 1000 + 1000));
    const inHook = await list();

    expect(answer(inHook)).toEqual(EXPIRED);
    expect(answer(inRoute)).toEqual(EXPIRED);
    expect(inRoute.headers['content-type']).toBe(inHook.headers['content-type']);
  });

  it('answers an outage with 503 and Retry-After on the API and the OAuth endpoints alike', async () => {
    const log = captureLogger();
    const t = await startTestApp({ logger: log.logger });
    const driverError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    // What storage throws when the database is away (storage/outage.ts).
    const outage = databaseUnavailable(driverError);
    const already = log.lines().length;
    vi.spyOn(t.services.storage.repos.pats, 'list').mockRejectedValue(outage);
    vi.spyOn(t.services.storage.repos.patCredentials, 'findCredential').mockRejectedValue(outage);

    const api = await t.request({ method: 'GET', url: V3, token: t.admin.token });
    expectSailPointError(api, 503, '503 Service Unavailable', UNAVAILABLE);
    expect(api.headers['retry-after']).toBe('1');

    const token = await t.exchange(t.admin.patId, t.admin.secret);
    expect(token.statusCode).toBe(503);
    expect(token.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: UNAVAILABLE,
    });
    expect(token.headers['retry-after']).toBe('1');
    expect(token.headers['cache-control']).toBe('no-store');

    // Each logged once as a warning in the driver's words; neither as a fault.
    const DRIVER_WORDS = 'connect ECONNREFUSED 127.0.0.1:5432 (ECONNREFUSED)';
    const lines = log
      .lines()
      .slice(already)
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown });
    expect(lines.filter((line) => line.msg !== 'request')).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'database unavailable',
        err: expect.objectContaining({ message: DRIVER_WORDS }) as unknown,
      }),
      expect.objectContaining({
        level: 40,
        msg: 'database unavailable',
        err: expect.objectContaining({ message: DRIVER_WORDS }) as unknown,
      }),
    ]);
  });
});
