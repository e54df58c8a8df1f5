import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe.js';
import { newContext, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';
import { freePort } from './server.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local receiver: answers 410 Gone on /gone…, 204 elsewhere, and keeps what it was sent. */
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

const env = patinaAndBrowser({ webhooks: { allowHttp: true, allowPrivateNetworks: true } });

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      response.writeHead(request.url?.startsWith('/gone') ? 410 : 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
});

interface Hook {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
}

function createHook(url: string, description = ''): Promise<Hook> {
  return env.patina.api<Hook>('POST', '/patina/v1/webhooks', {
    url,
    ...(description && { description }),
    events: ['personal_access_token.revoked'],
  });
}

async function webhooksPage(colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await (await newContext(env.browser, { colorScheme })).newPage();
  await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
  return page;
}

const rowOf = (page: Page, url: string) =>
  page
    .getByRole('table', { name: 'Webhooks' })
    .locator('tbody tr')
    .filter({ has: page.getByText(url, { exact: true }) });

/** Standard Webhooks: base64 HMAC-SHA256, keyed by the secret's bytes, of `id.timestamp.body`. */
function signature(secret: string, request: Received): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${String(request.headers['webhook-id'])}.${String(request.headers['webhook-timestamp'])}.${request.body}`;
  return `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
}

describe('webhooks', () => {
  it('edits a webhook: URL, description and events', async () => {
    const hook = await createHook(`${receiverUrl}/before`, 'Before the edit');
    const page = await webhooksPage();
    await page.getByRole('button', { name: `Edit ${hook.url}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit webhook' });
    expect(await dialog.getByLabel('Endpoint URL').inputValue()).toBe(hook.url);
    expect(await dialog.getByLabel('Description').inputValue()).toBe('Before the edit');
    await dialog.getByLabel('Endpoint URL').fill(`${receiverUrl}/after`);
    await dialog.getByLabel('Description').fill('Security team');
    await dialog.getByRole('checkbox', { name: 'identity.offboarded' }).check();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const row = rowOf(page, `${receiverUrl}/after`);
    await row.waitFor();
    expect(await row.innerText()).toContain('Security team');
    expect(await row.locator('td[data-label="Events"]').innerText()).toContain(
      'identity.offboarded',
    );
    const saved = await env.patina.api<Hook>('GET', `/patina/v1/webhooks/${hook.id}`);
    expect(saved).toMatchObject({
      url: `${receiverUrl}/after`,
      description: 'Security team',
      events: ['personal_access_token.revoked', 'identity.offboarded'],
    });

    // Cancel changes nothing; an edit the API refuses says why and keeps the dialog open.
    await page.getByRole('button', { name: `Edit ${receiverUrl}/after` }).click();
    await dialog.getByLabel('Endpoint URL').fill('ftp://example.com/hook');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.getByRole('alert').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await env.patina.api<Hook>('GET', `/patina/v1/webhooks/${hook.id}`)).url).toBe(
      `${receiverUrl}/after`,
    );
    await page.context().close();
  });

  it('rotates the signing secret and shows the new one once', async () => {
    const hook = await createHook(`${receiverUrl}/rotated`);
    const page = await webhooksPage();
    await page.getByRole('button', { name: `Rotate the signing secret of ${hook.url}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    await confirm.getByRole('button', { name: 'Rotate secret' }).click();
    const shown = page.getByRole('dialog', { name: 'Signing secret rotated' });
    const secret = await shown.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await shown.getByRole('button', { name: 'I have stored the secret' }).click();
    await shown.waitFor({ state: 'hidden' });
    // Once: gone from the page, and not there after a reload either.
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await rowOf(page, hook.url).waitFor();
    expect(await page.content()).not.toContain(secret);

    // The new secret is the one Patina signs with now: a test request carries its signature.
    await page.getByRole('button', { name: `Send a test event to ${hook.url}` }).click();
    await page.getByText('Test delivered').waitFor();
    const request = received.find((r) => r.path === '/rotated');
    expect(String(request?.headers['webhook-signature']).split(' ')).toContain(
      signature(secret, request as Received),
    );
    await page.context().close();
  });

  it('sends a test and shows its delivery: success', async () => {
    const hook = await createHook(`${receiverUrl}/ok`);
    const page = await webhooksPage();
    await page.getByRole('button', { name: `Send a test event to ${hook.url}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Test delivery' });
    await dialog.getByText('Test delivered: the endpoint answered 204').waitFor();
    const delivery = dialog.getByRole('table', { name: 'Deliveries' }).locator('tbody tr');
    expect(await delivery.count()).toBe(1);
    expect(await delivery.innerText()).toMatch(/ping\s+delivered\s+1/);
    expect(received.filter((r) => r.path === '/ok')).toHaveLength(1);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.context().close();
  });

  it('sends a test and shows its delivery: failure', async () => {
    const hook = await createHook(`http://127.0.0.1:${await freePort()}/closed`);
    const page = await webhooksPage();
    await page.getByRole('button', { name: `Send a test event to ${hook.url}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Test delivery' });
    const failure = dialog.getByRole('alert');
    await failure.waitFor();
    expect(await failure.innerText()).toMatch(/^Test failed: .+Patina tries again/);
    const delivery = dialog.getByRole('table', { name: 'Deliveries' }).locator('tbody tr');
    expect(await delivery.innerText()).toMatch(/ping\s+pending\s+1/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.context().close();
  });

  it('re-enables a webhook Patina disabled', async () => {
    const hook = await createHook(`${receiverUrl}/gone`);
    const page = await webhooksPage();
    // The receiver answers 410 Gone to the test: Patina disables the endpoint.
    await page.getByRole('button', { name: `Send a test event to ${hook.url}` }).click();
    const test = page.getByRole('dialog', { name: 'Test delivery' });
    await test.getByText('Test failed: HTTP 410').waitFor();
    await test.getByRole('button', { name: 'Close' }).click();
    const row = rowOf(page, hook.url);
    await row.getByText('Disabled: gone').waitFor();
    expect(await row.getByRole('button', { name: /^Send a test event/ }).count()).toBe(0);

    await row.getByRole('button', { name: `Re-enable ${hook.url}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Re-enable this webhook?' });
    expect(await dialog.innerText()).toContain('answered 410 Gone');
    // Cancel first: still disabled.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await env.patina.api<Hook>('GET', `/patina/v1/webhooks/${hook.id}`)).enabled).toBe(
      false,
    );

    await row.getByRole('button', { name: `Re-enable ${hook.url}` }).click();
    await dialog.getByRole('button', { name: 'Re-enable webhook' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByText('Enabled', { exact: true }).waitFor();
    await row.getByRole('button', { name: `Send a test event to ${hook.url}` }).waitFor();
    expect(await env.patina.api<Hook>('GET', `/patina/v1/webhooks/${hook.id}`)).toMatchObject({
      enabled: true,
      disabledReason: null,
    });
    await page.context().close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`passes axe-core with each new dialog open (${scheme})`, async () => {
      const hook = await createHook(`${receiverUrl}/axe-${scheme}`, 'Scanned');
      // One Patina disabled: its receiver answered a test with 410 Gone.
      const gone = await createHook(`${receiverUrl}/gone-${scheme}`);
      await env.patina.api('POST', `/patina/v1/webhooks/${gone.id}/test`, {});
      await expect
        .poll(
          async () => (await env.patina.api<Hook>('GET', `/patina/v1/webhooks/${gone.id}`)).enabled,
        )
        .toBe(false);
      const page = await webhooksPage(scheme);
      const scan = async (button: string, dialog: string) => {
        await page.getByRole('button', { name: button }).click();
        await page.getByRole('dialog', { name: dialog }).waitFor();
        expect(await seriousViolations(page)).toEqual([]);
        await page.keyboard.press('Escape');
        await page.getByRole('dialog', { name: dialog }).waitFor({ state: 'hidden' });
      };
      expect(await seriousViolations(page)).toEqual([]);
      await scan(`Edit ${hook.url}`, 'Edit webhook');
      await scan(`Rotate the signing secret of ${hook.url}`, 'Rotate the signing secret?');
      await scan(`Re-enable ${gone.url}`, 'Re-enable this webhook?');
      await page.getByRole('button', { name: `Send a test event to ${hook.url}` }).click();
      await page.getByText('Test delivered').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.context().close();
    });
  }
});
