import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newContext, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';
import { freePort } from './server.js';

let receiver: Server;
let receiverUrl: string;
const received: string[] = [];
const DAY_MS = 86_400_000;

// Webhooks to a receiver in this process: plain http on loopback, which the SSRF guard refuses
// unless told otherwise.
const env = patinaAndBrowser({ webhooks: { allowHttp: true, allowPrivateNetworks: true } });

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(body);
      response.end('ok');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${port}/hooks`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
});

interface Identity {
  id: string;
}
interface Pat {
  id: string;
  name: string;
  secret: string;
}

async function identity(name: string, login: string): Promise<Identity> {
  return env.patina.api<Identity>('POST', '/patina/v1/identities', {
    name,
    login,
    roles: ['USER'],
  });
}

async function patFor(owner: Identity, name: string, expiresInDays: number): Promise<Pat> {
  return env.patina.api<Pat>('POST', `/patina/v1/identities/${owner.id}/personal-access-tokens`, {
    name,
    scope: ['sp:my-personal-access-tokens:read'],
    expirationDate: new Date(Date.now() + expiresInDays * DAY_MS).toISOString(),
  });
}

async function use(pat: Pat): Promise<void> {
  const response = await fetch(`${env.patina.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${pat.id}&client_secret=${pat.secret}`,
  });
  expect(response.status).toBe(200);
}

async function livePatNames(owner: Identity): Promise<string[]> {
  const pats = await env.patina.api<{ name: string; owner: { id: string } }[]>(
    'GET',
    '/patina/v1/personal-access-tokens?limit=250',
  );
  return pats
    .filter((p) => p.owner.id === owner.id)
    .map((p) => p.name)
    .sort();
}

describe('Administration, in a real browser', () => {
  it('filters every owner’s tokens down to the stale ones and deletes a selection', async () => {
    const bob = await identity('Bob Builder', 'bob');
    const carol = await identity('Carol Chen', 'carol');
    await patFor(bob, 'old laptop', 3);
    await patFor(bob, 'nightly export', 60);
    await use(await patFor(bob, 'busy service', 60));
    await patFor(carol, 'spreadsheet', 5);

    const page = await (await newContext(env.browser)).newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.getByRole('link', { name: 'All tokens' }).click();
    await page.getByRole('heading', { name: 'All tokens' }).waitFor();
    const names = async () => (await page.locator('tbody tr .name').allTextContents()).sort();
    await expect
      .poll(names)
      .toEqual(['bootstrap', 'busy service', 'nightly export', 'old laptop', 'spreadsheet']);

    // Never used, and expiring within a week: the ones to clean up.
    await page.getByRole('checkbox', { name: 'Never used' }).check();
    await expect.poll(names).toEqual(['nightly export', 'old laptop', 'spreadsheet']);
    await page.getByLabel('Expiring within (days)').fill('7');
    await expect.poll(names).toEqual(['old laptop', 'spreadsheet']);
    await page.getByLabel('Owner').selectOption({ label: 'Bob Builder' });
    await expect.poll(names).toEqual(['old laptop']);
    await page.getByLabel('Owner').selectOption({ label: 'Anyone' });
    await page.getByLabel('Scope').selectOption('sp:scopes:all');
    await expect.poll(names).toEqual([]);
    await page.getByLabel('Scope').selectOption({ label: 'Any scope' });

    await page.getByRole('checkbox', { name: 'Select all tokens shown' }).check();
    await page.getByRole('button', { name: 'Delete selected (2)' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete 2 tokens?' });
    expect((await confirm.locator('li').allTextContents()).sort()).toEqual([
      'old laptop — Bob Builder',
      'spreadsheet — Carol Chen',
    ]);
    await confirm.getByRole('button', { name: 'Delete 2 tokens' }).click();
    await expect.poll(names).toEqual([]);
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Deleted' }).textContent())
      .toBe('Deleted 2 tokens.Dismiss');
    expect(await livePatNames(bob)).toEqual(['busy service', 'nightly export']);
    expect(await livePatNames(carol)).toEqual([]);
  });

  it('offboards an identity after a preview that changes nothing', async () => {
    const dave = await identity('Dave Departing', 'dave');
    await patFor(dave, 'build agent', 30);
    await patFor(dave, 'notebook', 30);

    const page = await (await newContext(env.browser)).newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.getByRole('link', { name: 'Identities' }).click();
    await page.getByRole('button', { name: 'Offboard Dave Departing' }).click();
    const preview = page.getByRole('dialog', { name: 'Offboard Dave Departing?' });
    await expect
      .poll(async () => (await preview.locator('li').allTextContents()).sort())
      .toEqual(['build agent', 'notebook']);
    await preview.getByRole('button', { name: 'Cancel' }).click();
    expect(await livePatNames(dave)).toEqual(['build agent', 'notebook']);

    await page.getByRole('button', { name: 'Offboard Dave Departing' }).click();
    await preview.getByRole('button', { name: 'Offboard' }).click();
    const row = page.getByRole('row', { name: /Dave Departing/ });
    await expect.poll(() => row.getByText('Disabled').count()).toBe(1);
    expect(await livePatNames(dave)).toEqual([]);
  });

  it('changes the roles of an identity', async () => {
    const erin = await identity('Erin Editor', 'erin');
    const page = await (await newContext(env.browser)).newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.getByRole('link', { name: 'Identities' }).click();
    await page.getByRole('button', { name: 'Roles of Erin Editor' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roles of Erin Editor' });
    await dialog.getByRole('checkbox', { name: 'ORG_ADMIN' }).check();
    await dialog.getByRole('button', { name: 'Save roles' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('row', { name: /Erin Editor/ })
          .getByRole('cell')
          .nth(2)
          .textContent(),
      )
      .toBe('ORG_ADMIN, USER');
    const after = await env.patina.api<{ roles: string[] }>(
      'GET',
      `/patina/v1/identities/${erin.id}`,
    );
    expect(after.roles.sort()).toEqual(['ORG_ADMIN', 'USER']);
  });

  it('lists the audit log in pages and the signing keys, and rotates a key', async () => {
    const page = await (await newContext(env.browser)).newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Signing keys' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: 'Rotate key' }).click();
    await page
      .getByRole('dialog', { name: 'Rotate the signing key?' })
      .getByRole('button', { name: 'Rotate key' })
      .click();
    await expect
      .poll(async () => (await page.locator('tbody .badge').allTextContents()).sort())
      .toEqual(['Signing', 'Verifying']);
  });

  it('adds a webhook, shows its signing secret once, and delivers a test event to it', async () => {
    const page = await (await newContext(env.browser)).newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'No webhooks yet' }).waitFor();
    await page.getByRole('button', { name: 'New webhook' }).click();
    const form = page.getByRole('dialog', { name: 'New webhook' });
    await form.getByLabel('Endpoint URL').fill(receiverUrl);
    await form.getByLabel('Description (optional)').fill('Security team');
    await form.getByRole('button', { name: 'Create webhook' }).click();
    const shown = page.getByRole('dialog', { name: 'Webhook created' });
    expect(await shown.getByLabel('Signing secret', { exact: true }).inputValue()).toMatch(
      /^whsec_/,
    );
    await shown.getByRole('button', { name: 'I have stored the secret' }).click();

    await page.getByRole('button', { name: `Send a test event to ${receiverUrl}` }).click();
    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(JSON.parse(received[0]!)).toMatchObject({ type: 'ping' });
    // The test's own dialog says how it went (test/webhooks.test.ts has the details).
    const test = page.getByRole('dialog', { name: 'Test delivery' });
    await test.getByText(/^Test delivered: the endpoint answered 200/).waitFor({ timeout: 20_000 });
    await page.keyboard.press('Escape');
    await test.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: `Deliveries of ${receiverUrl}` }).click();
    const deliveries = page.getByRole('dialog', { name: 'Deliveries' });
    await expect
      .poll(async () => {
        await page.keyboard.press('Escape');
        await page.getByRole('button', { name: `Deliveries of ${receiverUrl}` }).click();
        return deliveries.locator('tbody tr').first().textContent();
      })
      .toMatch(/^pingdelivered1 · last 200/);
  });
});
