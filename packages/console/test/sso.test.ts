import type { Server } from 'node:http';
import Provider, { type Account } from 'oidc-provider';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, newContext } from './browser.js';
import { freePort, PatinaProcess } from './server.js';

/** The people the test's identity provider knows, by the login typed on its sign-in page. */
const PEOPLE: Record<string, Record<string, unknown>> = {
  alice: { name: 'Alice Adams', email: 'alice@example.com', groups: ['patina-admins'] },
  bob: { name: 'Bob Brown', email: 'bob@example.com', groups: ['engineering'] },
  eve: { name: 'Eve Unverified', email: 'eve@example.com', email_verified: false },
};

let patina: PatinaProcess;
let idp: Server;
let browser: Browser;

beforeAll(async () => {
  const [patinaPort, idpPort] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${idpPort}`;
  const callback = `http://127.0.0.1:${patinaPort}/ui/auth/sso/callback`;
  // A real OpenID provider (oidc-provider, certified) with its own interactive login pages.
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'patina-console',
        client_secret: 'a-long-client-secret-for-the-console-0123456789',
        redirect_uris: [callback],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    pkce: { required: () => true },
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    findAccount: (_ctx: unknown, id: string): Account | undefined =>
      PEOPLE[id] && {
        accountId: id,
        claims: () => ({ sub: id, email_verified: true, ...PEOPLE[id] }),
      },
  });
  idp = provider.listen(idpPort, '127.0.0.1');
  patina = await PatinaProcess.start(
    {
      sso: {
        issuer,
        clientId: 'patina-console',
        clientSecret: 'a-long-client-secret-for-the-console-0123456789',
        scopes: ['openid', 'email', 'profile', 'groups'],
        groupRoles: { 'patina-admins': ['ORG_ADMIN'] },
        label: 'Acme SSO',
        allowHttp: true,
      },
    },
    { port: patinaPort },
  );
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await patina?.stop();
  await new Promise((resolve) => idp?.close(resolve));
});

/** Through the provider's own pages: the sign-in form, then the consent screen. */
async function signInThroughSso(page: Page, login: string): Promise<void> {
  await page.goto(`${patina.baseUrl}/ui/`);
  await page.getByRole('link', { name: 'Sign in with Acme SSO' }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

interface Identity {
  login: string;
  name: string;
  roles: string[];
  status: string;
  id: string;
}

async function identityByLogin(login: string): Promise<Identity | undefined> {
  const all = await patina.api<Identity[]>('GET', '/patina/v1/identities?limit=250');
  return all.find((i) => i.login === login);
}

describe('sign-in through the organisation’s OpenID provider', () => {
  it('signs a new person in, creating their identity with the roles of their groups', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInThroughSso(page, 'alice');
    await page.getByRole('heading', { name: 'My tokens' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/tokens');
    expect(await page.locator('.who span').textContent()).toBe('Alice Adams');
    const alice = await identityByLogin('alice@example.com');
    expect(alice).toMatchObject({
      name: 'Alice Adams',
      roles: ['ORG_ADMIN', 'USER'],
      status: 'ACTIVE',
    });
    // The session's short access tokens work on the API: an administrator's page loads.
    await page.getByRole('link', { name: 'All tokens' }).click();
    await page.getByRole('heading', { name: 'All tokens' }).waitFor();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    // And the session can create a token of its own.
    await page.getByRole('link', { name: 'My tokens' }).click();
    await page.getByRole('button', { name: 'Create your first token' }).click();
    const form = page.getByRole('dialog', { name: 'New token' });
    await form.getByLabel('Name').fill('laptop');
    await form.getByRole('checkbox', { name: /sp:my-personal-access-tokens:read/ }).check();
    await form.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('dialog', { name: 'Token created' }).waitFor();
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await context.close();
  });

  it('gives a person outside the mapped groups the USER role only', async () => {
    const page = await (await newContext(browser)).newPage();
    await signInThroughSso(page, 'bob');
    await page.getByRole('heading', { name: 'My tokens' }).waitFor();
    expect(await page.getByRole('link', { name: 'All tokens' }).count()).toBe(0);
    expect((await identityByLogin('bob@example.com'))?.roles).toEqual(['USER']);
  });

  it('skips an email the provider has not verified: with no other claim there is no one to be', async () => {
    const page = await (await newContext(browser)).newPage();
    await signInThroughSso(page, 'eve');
    // No verified email and no preferred_username: no identity to be.
    await page.waitForURL('**/ui/sign-in?error=SSO_NO_IDENTITY_CLAIM');
    expect(await page.getByRole('alert').textContent()).toBe(
      'Your identity provider did not say who you are (no email or user name).',
    );
    expect(await identityByLogin('eve@example.com')).toBeUndefined();
  });

  it('refuses a disabled identity, and ends the sessions it had', async () => {
    const first = await (await newContext(browser)).newPage();
    await signInThroughSso(first, 'bob');
    await first.getByRole('heading', { name: 'My tokens' }).waitFor();
    const bob = (await identityByLogin('bob@example.com'))!;
    await patina.api('PATCH', `/patina/v1/identities/${bob.id}`, { status: 'DISABLED' });

    await first.reload();
    await first.getByRole('heading', { name: 'Sign in to Patina' }).waitFor();

    const second = await (await newContext(browser)).newPage();
    await signInThroughSso(second, 'bob');
    await second.waitForURL('**/ui/sign-in?error=SSO_DISABLED');
    expect(await second.getByRole('alert').textContent()).toBe('Your Patina identity is disabled.');
  });

  it('refuses a callback this browser did not start (no state of its own)', async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${patina.baseUrl}/ui/auth/sso/callback?code=stolen&state=guessed`);
    await page.waitForURL('**/ui/sign-in?error=SSO_NOT_STARTED');
    expect(await page.getByRole('alert').textContent()).toBe(
      'That sign-in link has expired. Start again.',
    );
  });
});
