import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { PatsRepository } from '../../src/storage/pats-repository.js';
import { expectSailPointError, startTestApp } from '../helpers.js';

const PATS = '/v3/personal-access-tokens';
const INTERNAL = 'An internal fault occurred; quote the trackingId when reporting it';

describe('malformed requests', () => {
  it('answers malformed JSON with 400.1 and changes nothing', async () => {
    const t = await startTestApp();
    const before = await t.snapshot();
    const res = await t.request({
      method: 'POST',
      url: PATS,
      token: t.admin.token,
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "half',
    });
    expectSailPointError(
      res,
      400,
      '400.1 Bad Request Content',
      'The request body is not valid JSON',
    );
    expect(await t.snapshot()).toEqual(before);
  });

  it.each([
    { what: 'an array', json: [{ name: 'x' }] },
    { what: 'a string', json: '{"name":"x"}' },
    { what: 'a number', json: 42 },
    { what: 'null', json: null },
  ])('answers a JSON body that is $what with 400 and changes nothing', async ({ json }) => {
    const t = await startTestApp();
    const before = await t.snapshot();
    const res = await t.request({ method: 'POST', url: PATS, token: t.admin.token, json });
    expectSailPointError(res, 400, '400.1.3 Illegal value', "'body' must be an object");
    expect(await t.snapshot()).toEqual(before);
  });

  it('answers an empty JSON body with 400.1.0 and changes nothing', async () => {
    const t = await startTestApp();
    const before = await t.snapshot();
    const res = await t.request({
      method: 'POST',
      url: PATS,
      token: t.admin.token,
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expectSailPointError(
      res,
      400,
      '400.1.0 Required Data Missing Or Empty',
      'The request body is empty; a JSON body is required',
    );
    expect(await t.snapshot()).toEqual(before);
  });

  it('answers a content type it does not read with 415 and changes nothing', async () => {
    const t = await startTestApp();
    const before = await t.snapshot();
    const res = await t.request({
      method: 'POST',
      url: PATS,
      token: t.admin.token,
      headers: { 'content-type': 'application/xml' },
      payload: '<pat><name>x</name></pat>',
    });
    expectSailPointError(
      res,
      415,
      '415 Unsupported Media Type',
      'The request Content-Type is not supported here; send application/json',
    );
    expect(await t.snapshot()).toEqual(before);
  });

  it('does not take a text/plain body for JSON, even when it holds JSON', async () => {
    const t = await startTestApp();
    const before = await t.snapshot();
    const res = await t.request({
      method: 'POST',
      url: PATS,
      token: t.admin.token,
      headers: { 'content-type': 'text/plain' },
      payload: '{"name":"plain"}',
    });
    // No text/plain parser: a text body never reaches validation, whatever it holds.
    expectSailPointError(
      res,
      415,
      '415 Unsupported Media Type',
      'The request Content-Type is not supported here; send application/json',
    );
    expect(await t.snapshot()).toEqual(before);
  });

  it('answers a body over bodyLimitBytes with 413 and changes nothing', async () => {
    const t = await startTestApp({ config: { bodyLimitBytes: 1024 } });
    const before = await t.snapshot();
    const res = await t.request({
      method: 'POST',
      url: PATS,
      token: t.admin.token,
      json: { name: 'x'.repeat(2048) },
    });
    expectSailPointError(
      res,
      413,
      '413 Payload Too Large',
      'The request body is larger than this server accepts',
    );
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('unknown routes', () => {
  it('answers an unknown path with a SailPoint 404 that does not echo the query string', async () => {
    const t = await startTestApp();
    const before = await t.snapshot();
    const res = await t.request({
      method: 'GET',
      url: '/v3/personal-access-token?client_secret=hunter2',
      token: t.admin.token,
    });
    expectSailPointError(res, 404, '404 Not found', 'No resource at GET /v3/personal-access-token');
    expect(res.body).not.toContain('hunter2');
    expect(await t.snapshot()).toEqual(before);
  });

  it.each([
    { method: 'PUT', url: PATS },
    { method: 'DELETE', url: PATS },
    { method: 'PUT', url: `${PATS}/0123456789abcdef0123456789abcdef` },
    { method: 'DELETE', url: '/patina/v1/identities/0123456789abcdef0123456789abcdef' },
  ] as const)('answers $method $url with a SailPoint 404', async ({ method, url }) => {
    const t = await startTestApp();
    const before = await t.snapshot();
    const res = await t.request({ method, url, token: t.admin.token });
    expectSailPointError(res, 404, '404 Not found', `No resource at ${method} ${url}`);
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('internal faults', () => {
  it('answers a failing repository with 500.0 and no detail of the fault', async () => {
    const t = await startTestApp();
    vi.spyOn(t.services.storage.repos.pats, 'list').mockRejectedValue(new Error('boom secret-ish'));
    const before = await t.snapshot();
    const res = await t.request({ method: 'GET', url: PATS, token: t.admin.token });
    expectSailPointError(res, 500, '500.0 Internal Fault', INTERNAL);
    expect(res.body).not.toContain('boom');
    expect(await t.snapshot()).toEqual(before);
  });

  it('rolls back a write that fails half way, audit event included', async () => {
    const t = await startTestApp();
    const insert = vi
      .spyOn(PatsRepository.prototype, 'insert')
      .mockRejectedValue(new Error('boom disk full'));
    onTestFinished(() => insert.mockRestore());
    const before = await t.snapshot();
    const res = await t.request({
      method: 'POST',
      url: PATS,
      token: t.admin.token,
      json: { name: 'doomed' },
    });
    expectSailPointError(res, 500, '500.0 Internal Fault', INTERNAL);
    expect(res.body).not.toContain('boom');
    expect(await t.snapshot()).toEqual(before);
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
