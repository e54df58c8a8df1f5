import type { Server } from 'node:http';
import type { LightMyRequestResponse } from 'fastify';
import Provider, { type Account } from 'oidc-provider';
import { expect, onTestFinished } from 'vitest';
import { freePort, ISSUER, type TestApp } from '../helpers.js';
import { startConsoleApp } from './console-app.js';

export const CLIENT_ID = 'patina-console';
const CLIENT_SECRET = 'a-long-client-secret-for-the-console-0123456789';

/**
 * A real OpenID provider (oidc-provider, certified) on a port of its own, with its development
 * sign-in and consent pages. `people` holds each account's claims by the login typed on its
 * sign-in page, which is also the account's `sub`; a test may change them between sign-ins.
 */
export interface TestIdp {
  issuer: string;
  people: Map<string, Record<string, unknown>>;
}

export async function startIdp(): Promise<TestIdp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const people = new Map<string, Record<string, unknown>>();
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${ISSUER}/ui/auth/sso/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    pkce: { required: () => true },
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    // Set, so the provider does not log a notice for each default it falls back to.
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    findAccount: (_ctx: unknown, id: string): Account | undefined => {
      const claims = people.get(id);
      return claims && { accountId: id, claims: () => ({ ...claims, sub: id }) };
    },
  });
  const server: Server = provider.listen(port, '127.0.0.1');
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { issuer, people };
}

/** A console app whose SSO is the test provider, with `sso` settings on top. */
export async function startSsoApp(
  idp: TestIdp,
  sso: Record<string, unknown> = {},
): Promise<TestApp> {
  return startConsoleApp({
    config: {
      sso: {
        issuer: idp.issuer,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        scopes: ['openid', 'email', 'profile', 'groups'],
        allowHttp: true,
        ...sso,
      },
    },
  });
}

/** Where an SSO sign-in ended: the console's redirect, and the session cookie when it gave one. */
export interface SsoOutcome {
  location: string;
  cookie: string | undefined;
}

/**
 * An SSO sign-in as a browser makes it: Patina's start, the provider's sign-in page (as
 * `login`, any password) and consent page, and back to Patina's callback, following every
 * redirect and keeping each side's cookies.
 */
export async function signInThroughIdp(t: TestApp, login: string): Promise<SsoOutcome> {
  const started = await t.app.inject({ method: 'GET', url: '/ui/auth/sso/start' });
  expect(started.statusCode, started.body).toBe(302);
  const pending = started.cookies.find((c) => c.name === 'patina_sso')?.value;
  expect(pending, 'the pending sign-in cookie').toBeDefined();
  const jar = new Map<string, string>();
  let url = new URL(String(started.headers.location));
  for (let hop = 0; hop < 20; hop++) {
    if (url.origin === new URL(ISSUER).origin) {
      const callback: LightMyRequestResponse = await t.app.inject({
        method: 'GET',
        url: `${url.pathname}${url.search}`,
        cookies: { patina_sso: pending! },
      });
      expect(callback.statusCode, callback.body).toBe(302);
      return {
        location: String(callback.headers.location),
        cookie: callback.cookies.find((c) => c.name === 'patina_console')?.value,
      };
    }
    let response = await fetch(url, { redirect: 'manual', headers: { cookie: header(jar) } });
    keep(jar, response);
    if (response.status === 200) {
      // The provider's sign-in form, then its consent form.
      const html = await response.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      const action = /action="([^"]+)"/.exec(html)?.[1];
      expect(prompt && action, html).toBeTruthy();
      const form = new URLSearchParams(
        prompt === 'login' ? { prompt, login, password: 'any password' } : { prompt: prompt! },
      );
      response = await fetch(new URL(action!, url), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: header(jar), 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      keep(jar, response);
    }
    expect([302, 303], `${url.href}: ${response.status}`).toContain(response.status);
    url = new URL(response.headers.get('location')!, url);
  }
  throw new Error('the sign-in did not come back to Patina');
}

function keep(jar: Map<string, string>, response: Response): void {
  for (const cookie of response.headers.getSetCookie()) {
    const [pair = ''] = cookie.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
}

function header(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** The identity a console session cookie is signed in as (GET /ui/auth/session). */
export async function sessionIdentity(
  t: TestApp,
  outcome: SsoOutcome,
): Promise<{ id: string; login: string; name: string }> {
  expect(outcome.location).toBe('/ui/');
  expect(outcome.cookie, 'a session cookie').toBeDefined();
  const response = await t.app.inject({
    method: 'GET',
    url: '/ui/auth/session',
    cookies: { patina_console: outcome.cookie! },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ identity: { id: string; login: string; name: string } }>().identity;
}
