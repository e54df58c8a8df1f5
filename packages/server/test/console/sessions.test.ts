import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { digestOf } from '../../src/console/sessions.js';
import { HOUR_MS } from '../../src/core/time.js';
import {
  MINUTE_MS,
  SAME_ORIGIN,
  signInWithPat,
  startConsoleApp,
  viaConsole,
} from './console-app.js';

describe('signing in to the console with a PAT', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie on /ui and answers who is signed in', async () => {
    const t = await startConsoleApp();
    const response = await t.app.inject({
      method: 'POST',
      url: '/ui/auth/pat',
      headers: SAME_ORIGIN,
      payload: { clientId: t.admin.patId, clientSecret: t.admin.secret },
    });
    expect(response.statusCode).toBe(200);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(
      /^patina_console=[A-Za-z0-9_-]{43}; Path=\/ui; Expires=[^;]+; HttpOnly; SameSite=Lax$/,
    );
    const body = response.json<{
      identity: unknown;
      method: string;
      patId: string;
      csrfToken: string;
      rights: string[];
      roles: string[];
    }>();
    expect(body.identity).toEqual({ id: t.admin.identity.id, name: 'Ada Admin', login: 'ada' });
    expect(body.method).toBe('PAT');
    expect(body.patId).toBe(t.admin.patId);
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.rights).toContain('sp:all-personal-access-tokens:manage');
    // The roles an administrator may give: the built-in ones and the test config's AUDITOR.
    expect(body.roles).toEqual(['AUDITOR', 'ORG_ADMIN', 'USER']);
    // The exchanged access token stays on the server.
    expect(response.body).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
    expect(response.body).not.toContain(t.admin.secret);
  });

  it('marks the cookie Secure when the public base URL is https', async () => {
    const t = await startConsoleApp({ config: { publicBaseUrl: 'https://patina.example' } });
    const response = await t.app.inject({
      method: 'POST',
      url: '/ui/auth/pat',
      headers: { origin: 'https://patina.example', 'sec-fetch-site': 'same-origin' },
      payload: { clientId: t.admin.patId, clientSecret: t.admin.secret },
    });
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['set-cookie'])).toMatch(/; Secure; SameSite=Lax$/);
  });

  it('refuses a wrong secret with 401 and sets no cookie', async () => {
    const t = await startConsoleApp();
    const response = await t.app.inject({
      method: 'POST',
      url: '/ui/auth/pat',
      headers: SAME_ORIGIN,
      payload: { clientId: t.admin.patId, clientSecret: 'wrong' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error: 'invalid_client',
      message: 'Wrong client id or secret',
    });
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('names the missing field of a bad sign-in body', async () => {
    const t = await startConsoleApp();
    const response = await t.app.inject({
      method: 'POST',
      url: '/ui/auth/pat',
      headers: SAME_ORIGIN,
      payload: { clientId: t.admin.patId },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('clientSecret');
  });

  it('refuses a sign-in posted from another site (login CSRF)', async () => {
    const t = await startConsoleApp();
    for (const headers of [
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
    ]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/ui/auth/pat',
        headers,
        payload: { clientId: t.admin.patId, clientSecret: t.admin.secret },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json<{ error: string }>().error).toBe('CROSS_SITE');
    }
  });

  it('stores the digest of the cookie and the access token sealed, never either in the clear', async () => {
    const t = await startConsoleApp();
    const session = await signInWithPat(t, t.admin.patId, t.admin.secret);
    const rows = await t.storage.db.selectFrom('console_sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.token_digest).toBe(digestOf(session.cookie));
    const text = JSON.stringify(row);
    expect(text).not.toContain(session.cookie);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
  });
});

describe('the API through the console session', () => {
  it('lists and creates PATs with the session, and 401 without one', async () => {
    const t = await startConsoleApp();
    const session = await signInWithPat(t, t.admin.patId, t.admin.secret);
    const created = await viaConsole(t, session, {
      method: 'POST',
      url: '/v3/personal-access-tokens',
      payload: { name: 'from the console', scope: ['sp:my-personal-access-tokens:read'] },
    });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    const list = await viaConsole(t, session, {
      url: '/v3/personal-access-tokens?owner-id=me&count=true',
    });
    expect(list.statusCode).toBe(200);
    expect(list.headers['x-total-count']).toBe('2');
    expect(
      list
        .json<{ name: string }[]>()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['from the console', 'login']);

    const anonymous = await t.app.inject({
      method: 'GET',
      url: '/ui/api/v3/personal-access-tokens',
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({
      error: 'NOT_SIGNED_IN',
      message: 'Sign in to use the console',
    });
  });

  it('refuses a state-changing request without the session’s CSRF token', async () => {
    const t = await startConsoleApp();
    const session = await signInWithPat(t, t.admin.patId, t.admin.secret);
    for (const csrf of [undefined, 'not-the-token', session.csrf.slice(1) + 'x']) {
      const response = await t.app.inject({
        method: 'DELETE',
        url: `/ui/api/v3/personal-access-tokens/${t.admin.patId}`,
        cookies: { patina_console: session.cookie },
        headers: { ...SAME_ORIGIN, ...(csrf !== undefined && { 'x-patina-csrf': csrf }) },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({
        error: 'CSRF',
        message: 'A state-changing request needs the x-patina-csrf header of this session',
      });
    }
    // The PAT is still there.
    const list = await viaConsole(t, session, { url: '/v3/personal-access-tokens?owner-id=me' });
    expect(list.json()).toHaveLength(1);
  });

  it('refuses a cross-site request even with the right CSRF token', async () => {
    const t = await startConsoleApp();
    const session = await signInWithPat(t, t.admin.patId, t.admin.secret);
    const crossSite = await viaConsole(
      t,
      session,
      { method: 'DELETE', url: `/v3/personal-access-tokens/${t.admin.patId}` },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json<{ error: string }>().error).toBe('CROSS_SITE');
    const otherOrigin = await viaConsole(
      t,
      session,
      { method: 'DELETE', url: `/v3/personal-access-tokens/${t.admin.patId}` },
      { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
    );
    expect(otherOrigin.statusCode).toBe(403);
    expect(otherOrigin.json()).toEqual({
      error: 'CROSS_SITE',
      message: 'Refused: the Origin is not this console',
    });
  });

  it('reaches only Patina’s API: not the token endpoint, not itself', async () => {
    const t = await startConsoleApp();
    const session = await signInWithPat(t, t.admin.patId, t.admin.secret);
    for (const url of ['/oauth/token', '/ui/auth/session', '/v3/../oauth/token']) {
      const response = await viaConsole(t, session, { url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toEqual({
        error: 'NOT_FOUND',
        message: 'The console reaches only Patina’s API',
      });
    }
  });

  it('passes the API’s own errors through unchanged', async () => {
    const t = await startConsoleApp();
    const session = await signInWithPat(t, t.admin.patId, t.admin.secret);
    const response = await viaConsole(t, session, {
      method: 'POST',
      url: '/v3/personal-access-tokens',
      payload: { scope: ['sp:my-personal-access-tokens:read'] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ messages: { text: string }[] }>().messages[0]!.text).toContain('name');
  });
});

describe('the end of a console session', () => {
  it('signing out ends the session on the server', async () => {
    const t = await startConsoleApp();
    const session = await signInWithPat(t, t.admin.patId, t.admin.secret);
    const out = await t.app.inject({
      method: 'POST',
      url: '/ui/auth/sign-out',
      cookies: { patina_console: session.cookie },
      headers: { ...SAME_ORIGIN, 'x-patina-csrf': session.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(
      /^patina_console=; Max-Age=0; Path=\/ui; Expires=/,
    );
    // The cookie, replayed, no longer works.
    const after = await viaConsole(t, session, { url: '/v3/personal-access-tokens?owner-id=me' });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ error: 'SIGNED_OUT', message: 'You have signed out' });
  });

  it('ends after the idle timeout, and not before', async () => {
    const t = await startConsoleApp({ config: { console: { idleTimeoutMinutes: 15 } } });
    const session = await signInWithPat(t, t.admin.patId, t.admin.secret);
    t.clock.advance(14 * MINUTE_MS);
    expect(
      (await viaConsole(t, session, { url: '/v3/personal-access-tokens?owner-id=me' })).statusCode,
    ).toBe(200);
    t.clock.advance(14 * MINUTE_MS);
    expect(
      (await viaConsole(t, session, { url: '/v3/personal-access-tokens?owner-id=me' })).statusCode,
    ).toBe(200);
    t.clock.advance(15 * MINUTE_MS);
    const idle = await viaConsole(t, session, { url: '/v3/personal-access-tokens?owner-id=me' });
    expect(idle.statusCode).toBe(401);
    expect(idle.json()).toEqual({
      error: 'IDLE',
      message: 'Your session ended after a period of inactivity; sign in again',
    });
  });

  it('ends at its absolute lifetime, however active', async () => {
    const t = await startConsoleApp({ config: { console: { absoluteLifetimeHours: 2 } } });
    const session = await signInWithPat(t, t.admin.patId, t.admin.secret);
    for (let i = 0; i < 7; i++) {
      t.clock.advance(15 * MINUTE_MS);
      const ok = await viaConsole(t, session, { url: '/v3/personal-access-tokens?owner-id=me' });
      expect(ok.statusCode).toBe(200);
    }
    t.clock.advance(15 * MINUTE_MS);
    const late = await t.app.inject({
      method: 'GET',
      url: '/ui/auth/session',
      cookies: { patina_console: session.cookie },
    });
    expect(late.statusCode).toBe(200);
    expect(late.json<{ signedIn: boolean; error: string }>()).toMatchObject({
      signedIn: false,
      error: 'EXPIRED',
    });
    expect(2 * HOUR_MS).toBe(8 * 15 * MINUTE_MS);
  });

  it('ends when its identity is disabled', async () => {
    const t = await startConsoleApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const session = await signInWithPat(t, bob.patId, bob.secret);
    await t.services.identities.update(SYSTEM_CONTEXT, bob.identity.id, { status: 'DISABLED' });
    const response = await viaConsole(t, session, {
      url: '/v3/personal-access-tokens?owner-id=me',
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'DISABLED', message: 'Your identity is disabled' });
    // And stays ended when the identity comes back: signing in again is needed.
    await t.services.identities.update(SYSTEM_CONTEXT, bob.identity.id, { status: 'ACTIVE' });
    const again = await viaConsole(t, session, { url: '/v3/personal-access-tokens?owner-id=me' });
    expect(again.json<{ error: string }>().error).toBe('SIGNED_OUT');
  });

  it('ends when the PAT it signed in with is deleted', async () => {
    const t = await startConsoleApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const session = await signInWithPat(t, bob.patId, bob.secret);
    expect((await t.deletePat(bob.patId)).statusCode).toBe(204);
    const response = await viaConsole(t, session, {
      url: '/v3/personal-access-tokens?owner-id=me',
    });
    expect(response.statusCode).toBe(401);
    const session2 = await t.app.inject({
      method: 'GET',
      url: '/ui/auth/session',
      cookies: { patina_console: session.cookie },
    });
    expect(session2.statusCode).toBe(200);
    expect(session2.json<{ signedIn: boolean }>().signedIn).toBe(false);
  });
});
