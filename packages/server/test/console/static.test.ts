import { describe, expect, it } from 'vitest';
import { ASSET, INDEX_HTML, fakeDist, startConsoleApp } from './console-app.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe('the console’s files at /ui/', () => {
  it('/ sends people to the console', async () => {
    const t = await startConsoleApp({ consoleDistDir: fakeDist() });
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/ui/');
  });

  it('serves index.html, revalidated on every load, with a strict CSP and no framing', async () => {
    const t = await startConsoleApp({ consoleDistDir: fakeDist() });
    const response = await t.app.inject({ method: 'GET', url: '/ui/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(INDEX_HTML);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-security-policy']).toBe(CSP);
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves hashed assets as immutable for a year', async () => {
    const t = await startConsoleApp({ consoleDistDir: fakeDist() });
    const response = await t.app.inject({ method: 'GET', url: `/ui/${ASSET}` });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('console.log("patina")');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['content-security-policy']).toBe(CSP);
  });

  it('answers every page of the console with index.html, so deep links work', async () => {
    const t = await startConsoleApp({ consoleDistDir: fakeDist() });
    for (const url of ['/ui/tokens', '/ui/admin/tokens?owner=x', '/ui/sign-in']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe(INDEX_HTML);
      expect(response.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('answers 404 for a missing asset or file, not index.html', async () => {
    const t = await startConsoleApp({ consoleDistDir: fakeDist() });
    for (const url of ['/ui/assets/gone-123.js', '/ui/favicon.png', '/ui/auth/nothing']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toEqual({
        error: 'NOT_FOUND',
        message: 'No such console resource',
      });
    }
  });

  it('says how to build the console when it has not been built', async () => {
    const t = await startConsoleApp({ consoleDistDir: null });
    const response = await t.app.inject({ method: 'GET', url: '/ui/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe(
      'The web console has not been built: run `npm run build`, then restart.\n',
    );
  });
});
