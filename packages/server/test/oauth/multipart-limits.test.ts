import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers.js';

const BOUNDARY = '--------------------------515890814546601021194782';

/** A multipart/form-data body as the form-data package lays it out. */
function multipart(fields: Record<string, string>): string {
  return (
    Object.entries(fields)
      .map(
        ([name, value]) =>
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      )
      .join('') + `--${BOUNDARY}--\r\n`
  );
}

function post(t: TestApp, payload: string | Readable) {
  return t.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    payload,
  });
}

describe('POST /oauth/token: multipart bodies obey the body limit', () => {
  it('refuses a multipart body over 16 KiB with a 413, as a form body is refused, reading and writing nothing', async () => {
    const t = await startTestApp();
    const before = await t.snapshot();
    const response = await post(
      t,
      multipart({
        grant_type: 'client_credentials',
        client_id: t.admin.patId,
        client_secret: 'x'.repeat(1024 * 1024),
      }),
    );
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request body is too large',
    });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(await t.snapshot()).toEqual(before);
  });

  it('answers a form body over the limit the same way (413)', async () => {
    const t = await startTestApp();
    const response = await t.postForm('/oauth/token', {
      grant_type: 'client_credentials',
      client_id: t.admin.patId,
      client_secret: 'x'.repeat(20_000),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request body is too large',
    });
  });

  it('refuses a multipart body without a Content-Length (chunked): its length is unknown', async () => {
    const t = await startTestApp();
    const body = multipart({
      grant_type: 'client_credentials',
      client_id: t.admin.patId,
      client_secret: t.admin.secret,
    });
    const response = await post(t, Readable.from([body]));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request body could not be read',
    });
  });
});
