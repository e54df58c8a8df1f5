import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

/**
 * requireDpop on a PAT (RFC 9449): ticked on the create form, shown on the detail view, turned
 * off and on again from there behind a dialog that says what it ends. PATINA_SHOTS=dir
 * photographs the form and the dialog.
 */
const SHOTS = process.env.PATINA_SHOTS;
const PATS = '/patina/v1/personal-access-tokens';

const env = patinaAndBrowser({
  scopes: [{ name: 'orders:read', description: 'Read the orders of your team' }],
});

/** The value shown beside a term of the detail view. */
function fact(page: Page, term: string) {
  return page
    .locator('.facts > div')
    .filter({ has: page.getByRole('term').getByText(term, { exact: true }) })
    .getByRole('definition');
}

/** The JSON bodies the page sends to `path` with `method`, as it sends them. */
function sentBodies(page: Page, method: string, path: RegExp): unknown[] {
  const bodies: unknown[] = [];
  page.on('request', (request) => {
    if (request.method() === method && path.test(new URL(request.url()).pathname)) {
      bodies.push(request.postDataJSON());
    }
  });
  return bodies;
}

/** A GET of the PAT's own resource as the administrator: what the API answers. */
async function stored(id: string): Promise<{ requireDpop: boolean }> {
  return env.patina.api<{ requireDpop: boolean }>('GET', `${PATS}/${id}`);
}

/** Fills the New token form with a name and the one scope. */
async function openNewToken(page: Page, name: string) {
  await page.getByRole('button', { name: 'New token' }).click();
  const form = page.getByRole('dialog', { name: 'New token' });
  await form.getByLabel('Name').fill(name);
  await form.getByRole('checkbox', { name: /orders:read/ }).check();
  return form;
}

describe('A token that requires DPoP', () => {
  it('is created with the box ticked, shows Required, and is turned off and on from its page', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    const created = sentBodies(page, 'POST', /\/personal-access-tokens$/);
    const patched = sentBodies(page, 'PATCH', /\/personal-access-tokens\/[^/]+$/);

    const form = await openNewToken(page, 'bound bot');
    // A right to read itself, so its Bearer token has something to call.
    await form.getByRole('checkbox', { name: /sp:my-personal-access-tokens:read/ }).check();
    const box = form.getByRole('checkbox', { name: 'Require DPoP (bound tokens only)' });
    expect(await box.isChecked()).toBe(false);
    await box.check();
    const hint = await box.evaluate(
      (el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent,
    );
    expect(hint).toContain('cannot sign in to it');
    if (SHOTS) await form.screenshot({ path: `${SHOTS}/token-new-dpop.png` });
    await form.getByRole('button', { name: 'Create token' }).click();

    const shown = page.getByRole('dialog', { name: 'Token created' });
    const secret = await shown.getByLabel('Client secret').inputValue();
    const clientId = (await shown.locator('code.mono').first().textContent())!;
    expect(created).toEqual([expect.objectContaining({ name: 'bound bot', requireDpop: true })]);
    // An exchange without a DPoP proof is refused: the console's own sign-in is one.
    expect(await env.patina.exchangeStatus(clientId, secret)).toBe(400);
    // The secret dialog says how such a token is used, and offers no Bearer-only snippets.
    expect(await shown.getByText('This token requires DPoP').count()).toBe(1);
    expect(await shown.getByText('An access token with curl').count()).toBe(0);
    await shown.getByRole('button', { name: 'I have stored the secret' }).click();

    await page.getByRole('link', { name: 'bound bot' }).click();
    await page.getByRole('heading', { name: 'bound bot', level: 1 }).waitFor();
    expect(await fact(page, 'DPoP').textContent()).toBe('Required — bound tokens only');
    expect((await stored(clientId)).requireDpop).toBe(true);

    // Turned off: Optional, and Bearer tokens work again.
    await page.getByRole('button', { name: 'Stop requiring DPoP' }).click();
    const off = page.getByRole('dialog', { name: 'Stop requiring DPoP for bound bot?' });
    await off.getByRole('button', { name: 'Stop requiring DPoP' }).click();
    await expect.poll(() => fact(page, 'DPoP').textContent()).toBe('Optional');
    expect(patched).toEqual([{ requireDpop: false }]);
    expect((await stored(clientId)).requireDpop).toBe(false);
    const bearer = await env.patina.accessToken(clientId, secret);
    const asBearer = () =>
      fetch(`${env.patina.baseUrl}${PATS}/${clientId}`, {
        headers: { authorization: `Bearer ${bearer}` },
      }).then((r) => r.status);
    expect(await asBearer()).toBe(200);

    // Turned on again: the dialog says what ends, and the Bearer token it issued stops at once.
    await page.getByRole('button', { name: 'Require DPoP', exact: true }).click();
    const on = page.getByRole('dialog', { name: 'Require DPoP for bound bot?' });
    const warning = await on.textContent();
    expect(warning).toContain('stop working at once');
    expect(warning).toContain('cannot sign in to it');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/token-dpop-dialog.png` });
    await on.getByRole('button', { name: 'Require DPoP', exact: true }).click();
    await expect.poll(() => fact(page, 'DPoP').textContent()).toBe('Required — bound tokens only');
    expect(patched).toEqual([{ requireDpop: false }, { requireDpop: true }]);
    expect(await asBearer()).toBe(401);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/token-detail-dpop.png`, fullPage: true });

    // What the dialog warned of: the console cannot sign in with it.
    const other = await (await newContext(env.browser)).newPage();
    await other.goto(`${env.patina.baseUrl}/ui/sign-in`);
    await other.getByLabel('Client ID').fill(clientId);
    await other.getByLabel('Client secret').fill(secret);
    await other.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect
      .poll(() => other.getByRole('alert').textContent())
      .toContain('This PAT issues DPoP-bound tokens only (requireDpop)');
    await context.close();
  });

  it('is not asked for when the box is left unticked', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    const created = sentBodies(page, 'POST', /\/personal-access-tokens$/);
    const form = await openNewToken(page, 'plain bot');
    await form.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByRole('dialog', { name: 'Token created' });
    const clientId = (await shown.locator('code.mono').first().textContent())!;
    expect(created).toHaveLength(1);
    expect(created[0]).not.toHaveProperty('requireDpop');
    expect((await stored(clientId)).requireDpop).toBe(false);
    expect(await shown.getByText('An access token with curl').count()).toBe(1);
    expect(await shown.getByText('This token requires DPoP').count()).toBe(0);
    await shown.getByRole('button', { name: 'I have stored the secret' }).click();
    await page.getByRole('link', { name: 'plain bot' }).click();
    await page.getByRole('heading', { name: 'plain bot', level: 1 }).waitFor();
    expect(await fact(page, 'DPoP').textContent()).toBe('Optional');
    await context.close();
  });
});
