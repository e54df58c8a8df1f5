import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe.js';
import { newContext, PHONE, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

const AGENT = 'audit-test/1.0 (mistyped secret)';

const env = patinaAndBrowser();
/** Grace, an administrator who created Linus; Linus, whom she created. */
let grace: { id: string };
let linus: { id: string };

beforeAll(async () => {
  // A mistyped secret from a script: the audit trail keeps its reason, address and user agent.
  await env.patina.exchangeStatus(
    env.patina.bootstrap().clientId,
    `patina_${'x'.repeat(57)}`,
    AGENT,
  );
  // Grace, an administrator, creates Linus with her own token: she is that event's actor.
  const token = await env.patina.identityWithToken({
    name: 'Grace Hopper',
    login: 'grace',
    rights: ['sp:all-personal-access-tokens:manage'],
    patName: 'admin script',
  });
  grace = { id: token.id };
  const created = await fetch(`${env.patina.baseUrl}/patina/v1/identities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Linus Torvalds', login: 'linus', roles: ['USER'] }),
  });
  linus = (await created.json()) as { id: string };
});

async function auditLog(
  viewport?: { width: number; height: number },
  colorScheme: 'light' | 'dark' = 'light',
): Promise<Page> {
  const page = await (
    await newContext(env.browser, { colorScheme, ...(viewport && { viewport }) })
  ).newPage();
  await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  return page;
}

const rows = (page: Page) => page.getByRole('table', { name: 'Audit events' }).locator('tbody tr');
const failedExchange = (page: Page) =>
  rows(page).filter({ hasText: 'PERSONAL_ACCESS_TOKEN_USE_FAILED' });

/** The text of one column of every row shown (the cell's data-label). */
function column(page: Page, label: string): Promise<string[]> {
  return rows(page).locator(`td[data-label="${label}"]`).allInnerTexts();
}

describe('the audit log', () => {
  it('shows a failed exchange with its reason, address and user agent', async () => {
    const page = await auditLog();
    const row = failedExchange(page);
    await expect.poll(() => row.count()).toBe(1);
    await expect
      .poll(() => row.locator('td[data-label="Outcome"]').innerText())
      .toMatch(/Failure\s+Wrong secret/);
    const source = await row.locator('td[data-label="Source"]').innerText();
    expect(source).toContain('127.0.0.1');
    expect(source).toContain(AGENT);
    expect(await row.locator('td[data-label="Actor"]').innerText()).toBe('Not signed in');
    // The target: the administrator's PAT, named by Patina at first start.
    expect(await row.locator('td[data-label="Target"]').innerText()).toBe('bootstrap');
    await page.context().close();
  });

  it('narrows the list by type, actor, target and date', async () => {
    const page = await auditLog();
    await failedExchange(page).waitFor();

    await page.getByLabel('Event type').selectOption('IDENTITY_CREATED');
    await expect
      .poll(() => column(page, 'Target'))
      .toEqual(['Linus Torvalds', 'Grace Hopper', 'Administrator']);
    expect(new Set(await column(page, 'Event'))).toEqual(new Set(['IDENTITY_CREATED']));

    await page
      .getByRole('combobox', { name: /^Actor/ })
      .selectOption({ label: 'Grace Hopper (grace)' });
    await expect.poll(() => column(page, 'Target')).toEqual(['Linus Torvalds']);
    // The trail names an actor by the login it acted with.
    expect(await column(page, 'Actor')).toEqual(['grace']);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(async () => (await column(page, 'Event')).length).toBeGreaterThan(3);
    await page.getByLabel('Target ID').fill(grace.id);
    await expect
      .poll(async () => new Set(await column(page, 'Target')))
      .toEqual(new Set(['Grace Hopper']));

    // A day range that ends yesterday holds none of today's events; one from today holds them.
    const today = await page.evaluate(() => new Date().toLocaleDateString('en-CA'));
    const yesterday = await page.evaluate(() =>
      new Date(Date.now() - 86_400_000).toLocaleDateString('en-CA'),
    );
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('To', { exact: true }).fill(yesterday);
    await page.getByText('No event matches these filters.').waitFor();
    await page.getByLabel('To', { exact: true }).fill('');
    await page.getByLabel('From', { exact: true }).fill(today);
    await failedExchange(page).waitFor();
    await page.context().close();
  });

  it('opens a row into its full record, and closes it with the keyboard', async () => {
    const page = await auditLog();
    const open = failedExchange(page).getByRole('button', { name: /^Open the record of/ });
    await open.click();
    const dialog = page.getByRole('dialog', { name: 'Audit event' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    expect(text).toMatch(/Outcome\s+Failure: Wrong secret/);
    expect(text).toMatch(/Source address\s+127\.0\.0\.1/);
    expect(text).toContain(AGENT);
    expect(text).toMatch(/reason\s+wrong_secret/);
    expect(text).toContain(env.patina.bootstrap().clientId);
    // Escape closes it and focus goes back to the row's button.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => open.evaluate((el) => el === document.activeElement)).toBe(true);
    // Enter opens it again; the Close button closes it.
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // From Linus's creation: every event about him.
    await rows(page)
      .filter({ hasText: 'IDENTITY_CREATED' })
      .filter({ hasText: 'Linus Torvalds' })
      .getByRole('button', { name: /^Open the record of/ })
      .click();
    await dialog.getByRole('button', { name: 'Events about this target' }).click();
    await expect.poll(() => page.getByLabel('Target ID').inputValue()).toBe(linus.id);
    await expect.poll(() => column(page, 'Target')).toEqual(['Linus Torvalds']);
    await page.context().close();
  });

  it('reads at phone width', async () => {
    const page = await auditLog(PHONE);
    await failedExchange(page).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(PHONE.width);
    await page.context().close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`passes axe-core with filters set and a record open (${scheme})`, async () => {
      const page = await auditLog(undefined, scheme);
      await page
        .getByRole('combobox', { name: /^Actor/ })
        .selectOption({ label: 'Grace Hopper (grace)' });
      await rows(page).filter({ hasText: 'Linus Torvalds' }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await rows(page)
        .first()
        .getByRole('button', { name: /^Open the record of/ })
        .click();
      await page.getByRole('dialog', { name: 'Audit event' }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.context().close();
    });
  }
});
