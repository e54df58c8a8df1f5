import { describe, expect, it } from 'vitest';
import { newContext, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

const env = patinaAndBrowser({
  scopes: [{ name: 'orders:read', description: 'Read the orders of your team' }],
});

describe('My tokens, in a real browser', () => {
  it('signs in with the bootstrap PAT, and refuses a wrong secret with a message', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    // What the start log tells people to open.
    expect(env.patina.consoleUrl()).toBe(`${env.patina.baseUrl}/ui/`);
    await page.goto(env.patina.consoleUrl());
    await page.waitForURL('**/ui/sign-in');
    await page.getByLabel('Client ID').fill(env.patina.bootstrap().clientId);
    await page.getByLabel('Client secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Wrong client id or secret');

    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    // The session cookie is HttpOnly: the page's script cannot read it, nor any token.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => JSON.stringify(window.localStorage))).toBe('{}');
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path])).toEqual([
      ['patina_console', true, 'Lax', '/ui'],
    ]);
    await context.close();
  });

  it('creates a token, shows its secret once with a copy button, lists it, rotates it and deletes it', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());

    await page.getByRole('button', { name: 'New token' }).click();
    const form = page.getByRole('dialog', { name: 'New token' });
    await form.getByLabel('Name').fill('deploy bot');
    await form.getByLabel('Description (optional)').fill('Ships the orders service');
    await form.getByRole('checkbox', { name: /orders:read/ }).check();
    await form.getByText('7 days').click();
    await form.getByRole('button', { name: 'Create token' }).click();

    const shown = page.getByRole('dialog', { name: 'Token created' });
    await expect
      .poll(() => shown.getByRole('status').textContent())
      .toBe('Copy the secret now. It will not be shown again: Patina keeps only a digest of it.');
    const secret = await shown.getByLabel('Client secret').inputValue();
    const clientId = (await shown.locator('code.mono').first().textContent())!;
    expect(secret).toMatch(/^[A-Za-z0-9_]{40,}$/);
    await shown.getByRole('button', { name: 'Copy secret' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    expect(await env.patina.exchangeStatus(clientId, secret)).toBe(200);
    await shown.getByRole('button', { name: 'I have stored the secret' }).click();

    // Listed: name and description, scope, never used, expiring in a week, and no secret.
    const row = page.getByRole('row', { name: /deploy bot/ });
    await expect.poll(() => row.count()).toBe(1);
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells.slice(0, 5)).toEqual([
      'deploy botShips the orders service',
      'orders:read',
      'just now',
      'Never',
      'Expiringin 7 days',
    ]);
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);

    // Edit: a new name and description, kept.
    await page.getByRole('button', { name: 'Edit deploy bot' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit deploy bot' });
    await edit.getByLabel('Name').fill('deploy bot (prod)');
    await edit.getByLabel('Description').fill('Ships the orders service to production');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row', { name: /deploy bot \(prod\)/ }).waitFor();
    await page.getByRole('button', { name: 'Edit deploy bot (prod)' }).click();
    const again = page.getByRole('dialog', { name: 'Edit deploy bot (prod)' });
    await again.getByLabel('Name').fill('deploy bot');
    await again.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('row', { name: /^deploy bot\s*Ships the orders service to production/ })
      .waitFor();

    // Search narrows the table.
    await page.getByLabel('Search tokens').fill('orders serv');
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByLabel('Search tokens').fill('');

    // Rotate: a new secret, once; the old one stops at once without a grace window.
    await page.getByRole('button', { name: 'Rotate deploy bot' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate deploy bot?' });
    await rotate.getByRole('radio', { name: 'None: the old secret stops now' }).check();
    await rotate.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = page.getByRole('dialog', { name: 'Token rotated' });
    const newSecret = await rotated.getByLabel('Client secret').inputValue();
    expect(newSecret).not.toBe(secret);
    expect(await page.getByRole('status').filter({ hasText: 'Rotated' }).textContent()).toBe(
      'Rotated “deploy bot”: store the new secret shown now.Dismiss',
    );
    expect(await env.patina.exchangeStatus(clientId, newSecret)).toBe(200);
    expect(await env.patina.exchangeStatus(clientId, secret)).toBe(401);
    await rotated.getByRole('button', { name: 'I have stored the secret' }).click();

    // Delete, behind a dialog that says what breaks; Cancel first keeps it.
    await page.getByRole('button', { name: 'Delete deploy bot' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete deploy bot?' });
    expect(await confirm.textContent()).toContain('will be refused from now on');
    // Focus starts on Cancel, the safe choice; Escape closes and focus returns to the row.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Delete deploy bot',
    );
    await page.keyboard.press('Enter');
    // The same, with the race forced: the dialog is asked to close as Escape asks it, and the
    // opener is clicked before the browser's close event arrives, in one task.
    await page.evaluate(() => {
      document.querySelector<HTMLDialogElement>('dialog[open]')!.requestClose();
      document.querySelector<HTMLElement>('[aria-label="Delete deploy bot"]')!.click();
    });
    await expect.poll(() => confirm.isVisible()).toBe(true);
    await confirm.getByRole('button', { name: 'Delete token' }).click();
    await expect.poll(() => row.count()).toBe(0);
    // What happened is said, since the result is only an absence.
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Deleted' }).textContent())
      .toBe('Deleted “deploy bot”: it can no longer be used.Dismiss');
    expect(await env.patina.exchangeStatus(clientId, newSecret)).toBe(401);
    await context.close();
  });

  it('says when a new token grants its owner nothing', async () => {
    // A USER holds the my-PAT rights, not the deployment's orders:read scope.
    const identity = await env.patina.api<{ id: string }>('POST', '/patina/v1/identities', {
      name: 'Uma User',
      login: 'uma',
      roles: ['USER'],
    });
    const login = await env.patina.api<{ id: string; secret: string }>(
      'POST',
      `/patina/v1/identities/${identity.id}/personal-access-tokens`,
      { name: 'console' },
    );
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, {
      clientId: login.id,
      clientSecret: login.secret,
    });
    await page.getByRole('button', { name: 'New token' }).click();
    const form = page.getByRole('dialog', { name: 'New token' });
    await form.getByLabel('Name').fill('orders export');
    await form.getByRole('checkbox', { name: /orders:read/ }).check();
    await form.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByRole('dialog', { name: 'Token created' });
    await expect
      .poll(() => shown.getByRole('alert').textContent())
      .toBe(
        'None of these scopes is a right the owner holds, so every exchange of this PAT will be refused (invalid_scope) until the owner is given one of them.',
      );
    await context.close();
  });

  it('signing out ends the session: the cookie, replayed, is refused', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    const [cookie] = await context.cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Patina' }).waitFor();
    const replay = await fetch(`${env.patina.baseUrl}/ui/api/v3/personal-access-tokens`, {
      headers: { cookie: `patina_console=${cookie!.value}` },
    });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ error: 'SIGNED_OUT', message: 'You have signed out' });
    await context.close();
  });
});
