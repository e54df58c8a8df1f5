import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext } from './browser.js';
import { patinaAndBrowser } from './harness.js';

const env = patinaAndBrowser({
  scopes: [{ name: 'orders:read', description: 'Read the orders of your team' }],
});

const isFocused = (target: Locator) =>
  target.evaluate((element) => element === document.activeElement);

/** Presses Tab until `target` has the focus, as a keyboard user would; fails if it never does. */
async function tabTo(page: Page, target: Locator, most = 60): Promise<void> {
  await target.waitFor();
  for (let i = 0; i < most; i++) {
    if (await isFocused(target)) return;
    await page.keyboard.press('Tab');
  }
  if (!(await isFocused(target))) throw new Error(`Tab never reached ${String(target)}`);
}

/** In a radio group, presses an arrow key until `target` is checked (arrows move and choose). */
async function arrowTo(
  page: Page,
  target: Locator,
  key: 'ArrowRight' | 'ArrowDown',
): Promise<void> {
  for (let i = 0; i < 10 && !(await target.isChecked()); i++) await page.keyboard.press(key);
  expect(await target.isChecked()).toBe(true);
  expect(await isFocused(target)).toBe(true);
}

/** Sign in: type into the fields, Enter submits. */
async function signIn(page: Page): Promise<void> {
  const bootstrap = env.patina.bootstrap();
  await page.goto(`${env.patina.baseUrl}/ui/`);
  await tabTo(page, page.getByLabel('Client ID'));
  await page.keyboard.type(bootstrap.clientId);
  await page.keyboard.press('Tab');
  expect(await isFocused(page.getByLabel('Client secret'))).toBe(true);
  await page.keyboard.type(bootstrap.clientSecret);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'My tokens' }).waitFor();
}

describe('The keyboard alone', () => {
  it('signs in, creates a token, rotates it and deletes it on My tokens', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();

    await signIn(page);

    // New token: Escape closes the dialog and gives the focus back to its button.
    const newToken = page.getByRole('button', { name: 'New token' });
    await tabTo(page, newToken);
    await page.keyboard.press('Enter');
    const form = page.getByRole('dialog', { name: 'New token' });
    await form.waitFor();
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'hidden' });
    expect(await isFocused(newToken)).toBe(true);

    // …and Space opens it again: name, a scope (Space ticks it), 7 days (arrows), Enter.
    await page.keyboard.press('Space');
    await form.waitFor();
    await tabTo(page, form.getByLabel('Name'));
    await page.keyboard.type('keyboard token');
    const scope = form.getByRole('checkbox', { name: /orders:read/ });
    await tabTo(page, scope);
    await page.keyboard.press('Space');
    expect(await scope.isChecked()).toBe(true);
    await tabTo(page, form.getByRole('radio', { checked: true }));
    await arrowTo(page, form.getByRole('radio', { name: '90 days' }), 'ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await form.getByRole('radio', { name: '7 days' }).isChecked()).toBe(true);
    await tabTo(page, form.getByRole('button', { name: 'Create token' }));
    await page.keyboard.press('Enter');

    const created = page.getByRole('dialog', { name: 'Token created' });
    await created.waitFor();
    const secret = await created.getByLabel('Client secret').inputValue();
    const clientId = (await created.locator('code.mono').first().textContent())!;
    expect(await env.patina.exchangeStatus(clientId, secret)).toBe(200);
    await tabTo(page, created.getByRole('button', { name: 'I have stored the secret' }));
    await page.keyboard.press('Enter');
    await created.waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: /keyboard token/ });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getByRole('cell').allTextContents()).toContain('orders:read');

    // Rotate, with no grace window: the arrows choose it, Enter confirms.
    await tabTo(page, page.getByRole('button', { name: 'Rotate keyboard token' }));
    await page.keyboard.press('Enter');
    const rotate = page.getByRole('dialog', { name: 'Rotate keyboard token?' });
    await rotate.waitFor();
    const none = rotate.getByRole('radio', { name: 'None: the old secret stops now' });
    await tabTo(page, rotate.getByRole('radio', { checked: true }));
    if (!(await none.isChecked())) {
      await arrowTo(page, none, 'ArrowDown');
    }
    await tabTo(page, rotate.getByRole('button', { name: 'Rotate secret' }));
    await page.keyboard.press('Enter');
    const rotated = page.getByRole('dialog', { name: 'Token rotated' });
    await rotated.waitFor();
    const newSecret = await rotated.getByLabel('Client secret').inputValue();
    expect(newSecret).not.toBe(secret);
    expect(await env.patina.exchangeStatus(clientId, newSecret)).toBe(200);
    expect(await env.patina.exchangeStatus(clientId, secret)).toBe(401);
    await tabTo(page, rotated.getByRole('button', { name: 'I have stored the secret' }));
    await page.keyboard.press('Enter');
    await rotated.waitFor({ state: 'hidden' });

    // Delete: the dialog opens on Cancel, the safe choice; Tab to Delete token, Enter.
    await tabTo(page, page.getByRole('button', { name: 'Delete keyboard token' }));
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: 'Delete keyboard token?' });
    await confirm.waitFor();
    expect(await isFocused(confirm.getByRole('button', { name: 'Cancel' }))).toBe(true);
    await tabTo(page, confirm.getByRole('button', { name: 'Delete token' }));
    await page.keyboard.press('Enter');
    await expect.poll(() => row.count()).toBe(0);
    expect(await env.patina.exchangeStatus(clientId, newSecret)).toBe(401);
    await context.close();
  });

  it('creates an identity with its first token, and cancels the dialog with Cancel or Escape', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signIn(page);
    await tabTo(page, page.getByRole('link', { name: 'Identities' }));
    await page.keyboard.press('Enter');
    const opener = page.getByRole('button', { name: 'New identity' });
    await tabTo(page, opener);
    await page.keyboard.press('Enter');
    const form = page.getByRole('dialog', { name: 'New identity' });
    await form.waitFor();
    // Cancel, reached by Tab and pressed with Enter, closes it; focus goes back to the opener.
    await tabTo(page, form.getByRole('button', { name: 'Cancel' }));
    await page.keyboard.press('Enter');
    await form.waitFor({ state: 'hidden' });
    expect(await isFocused(opener)).toBe(true);

    await page.keyboard.press('Enter');
    await form.waitFor();
    await tabTo(page, form.getByLabel('Name', { exact: true }));
    await page.keyboard.type('Kim Keys');
    const withToken = form.getByRole('checkbox', {
      name: /Issue their first personal access token/,
    });
    await tabTo(page, withToken);
    await page.keyboard.press('Space');
    await tabTo(page, form.getByLabel('Token name'));
    await page.keyboard.type('Onboarding');
    const scope = form.getByRole('checkbox', { name: /sp:my-personal-access-tokens:read/ });
    await tabTo(page, scope);
    await page.keyboard.press('Space');
    await tabTo(page, form.getByRole('radio', { checked: true }));
    await arrowTo(page, form.getByRole('radio', { name: '30 days' }), 'ArrowRight');
    await tabTo(page, form.getByRole('button', { name: 'Create identity and token' }));
    await page.keyboard.press('Enter');

    const shown = page.getByRole('dialog', { name: 'First token of Kim Keys' });
    await shown.waitFor();
    const secret = await shown.getByLabel('Client secret').inputValue();
    const clientId = (await shown.locator('code.mono').first().textContent())!;
    expect(await env.patina.exchangeStatus(clientId, secret)).toBe(200);
    // Escape closes it, as the button would.
    await page.keyboard.press('Escape');
    await shown.waitFor({ state: 'hidden' });
    await page.getByRole('cell', { name: 'Kim Keys', exact: true }).waitFor();
    await context.close();
  });
});
