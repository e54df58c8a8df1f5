import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { PatsRepository } from '../../src/storage/pats-repository.js';
import {
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
