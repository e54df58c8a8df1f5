import { addMonthsUtc } from '@patina/contract';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

/**
 * The expiry choices follow the real policy: the deployment's months, and the `policy.rules` the
 * chosen scopes bind the token to, each cap said with its reason; the status badge and the token's
 * page say when a token shows as Expiring. PATINA_SHOTS=dir photographs the capped create form.
 */
const SHOTS = process.env.PATINA_SHOTS;
const DAY_MS = 86_400_000;
const EXPIRING_RULE = 'Shown as Expiring within 14 days of its expiry.';

const env = patinaAndBrowser({
  scopes: [
    { name: 'orders:read', description: 'Read the orders of your team' },
    { name: 'orders:write', description: 'Change the orders of your team' },
  ],
  policy: {
    allowNeverExpiring: true,
    expiringSoonDays: 14,
    rules: [{ scopes: ['orders:write'], maxLifetimeDays: 30 }],
  },
});

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

async function openNewToken(page: Page) {
  await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
  await page.getByRole('button', { name: 'New token' }).click();
  return page.getByRole('dialog', { name: 'New token' });
}

describe('The expiry cap, by the policy and its rules', () => {
  it('caps the date by the rule the chosen scopes bind, and says why', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    const form = await openNewToken(page);
    await form.getByRole('checkbox', { name: /orders:read/ }).check();
    await form.getByRole('radio', { name: 'Custom' }).check();
    const expiry = form.getByLabel('Expiry date');
    const hint = form.getByText(/^At most/);

    // No rule binds orders:read: the deployment's six calendar months, and never-expiring.
    expect(await expiry.getAttribute('max')).toBe(day(addMonthsUtc(new Date(), 6).getTime()));
    expect(await hint.textContent()).toMatch(
      /^At most 6 months: this deployment’s limit \(until .+\)\. Or never expiring\. /,
    );
    expect(await hint.textContent()).toContain(EXPIRING_RULE);
    expect(await form.getByRole('radio', { name: 'Never' }).count()).toBe(1);
    expect(await form.getByRole('radio', { name: '90 days' }).count()).toBe(1);

    // orders:write binds the rule: 30 days, never-expiring refused, the reason said.
    await form.getByRole('checkbox', { name: /orders:write/ }).check();
    expect(await expiry.getAttribute('max')).toBe(day(Date.now() + 30 * DAY_MS));
    expect(await hint.textContent()).toMatch(
      /^At most 30 days: policy rule for orders:write \(until .+\)\. Never expiring is not allowed: policy rule for orders:write\. /,
    );
    expect(await expiry.getAttribute('aria-describedby')).toBe(await hint.getAttribute('id'));
    expect(await form.getByRole('radio', { name: 'Never' }).count()).toBe(0);
    expect(await form.getByRole('radio', { name: '90 days' }).count()).toBe(0);
    if (SHOTS) {
      await hint.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/tokens-new-rule-cap.png` });
    }

    // sp:scopes:all names every right, so every rule binds it too.
    await form.getByRole('checkbox', { name: /orders:write/ }).uncheck();
    expect(await expiry.getAttribute('max')).toBe(day(addMonthsUtc(new Date(), 6).getTime()));
    await form.getByRole('checkbox', { name: /sp:scopes:all/ }).check();
    expect(await expiry.getAttribute('max')).toBe(day(Date.now() + 30 * DAY_MS));
    expect(await hint.textContent()).toMatch(/^At most 30 days: policy rule for orders:write/);
    await context.close();
  });

  it('a preset beyond the rule gives way, and the token made keeps to the rule', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    const form = await openNewToken(page);
    await form.getByLabel('Name').fill('order writer');
    await form.getByRole('radio', { name: '90 days' }).check();
    await form.getByRole('checkbox', { name: /orders:write/ }).check();
    // 90 days is no longer offered: the longest choice the rule allows is taken.
    expect(await form.getByRole('radio', { name: '30 days' }).isChecked()).toBe(true);
    await form.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByRole('dialog', { name: 'Token created' });
    const clientId = (await shown.locator('code.mono').first().textContent())!;
    await shown.getByRole('button', { name: 'I have stored the secret' }).click();
    const stored = await env.patina.api<{ expirationDate: string }>(
      'GET',
      `/patina/v1/personal-access-tokens/${clientId}`,
    );
    expect(Date.parse(stored.expirationDate) - Date.now()).toBeLessThanOrEqual(30 * DAY_MS);
    expect(Date.parse(stored.expirationDate) - Date.now()).toBeGreaterThan(29 * DAY_MS);
    await context.close();
  });

  it('the edit form caps by the rules the new scopes bind, from when the token was made', async () => {
    const pat = await env.patina.api<{ id: string; created: string }>(
      'POST',
      '/patina/v1/personal-access-tokens',
      {
        name: 'reader',
        scope: ['orders:read'],
        expirationDate: new Date(Date.now() + 60 * DAY_MS).toISOString(),
      },
    );
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.goto(`${env.patina.baseUrl}/ui/tokens/${pat.id}`);
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const edit = page.getByRole('dialog', { name: 'Edit reader' });
    const expiry = edit.getByLabel('Expiry date');
    expect(await expiry.getAttribute('max')).toBe(
      day(addMonthsUtc(new Date(pat.created), 6).getTime()),
    );
    await edit.getByRole('checkbox', { name: /orders:write/ }).check();
    expect(await expiry.getAttribute('max')).toBe(day(Date.parse(pat.created) + 30 * DAY_MS));
    expect(await edit.getByText(/^At most/).textContent()).toMatch(
      /^At most 30 days after it was made: policy rule for orders:write/,
    );
    await context.close();
  });
});

describe('The first token of a new identity', () => {
  it('is capped by the rules its scopes bind: sp:scopes:all binds them all', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.getByRole('link', { name: 'Identities' }).click();
    await page.getByRole('button', { name: 'New identity' }).click();
    const form = page.getByRole('dialog', { name: 'New identity' });
    await form.getByRole('checkbox', { name: /Issue their first personal access token/ }).check();
    const token = form.getByRole('group', { name: 'First token' });
    const hint = token.getByText(/^At most/);
    expect(await hint.textContent()).toMatch(/^At most 6 months: this deployment’s limit/);
    await token.getByRole('checkbox', { name: /sp:scopes:all/ }).check();
    expect(await hint.textContent()).toMatch(/^At most 30 days: policy rule for orders:write/);
    expect(await hint.textContent()).toContain(EXPIRING_RULE);
    // A first token is short-lived anyway: all three choices are within the rule's 30 days.
    for (const name of ['1 day', '7 days', '30 days']) {
      expect(await token.getByRole('radio', { name }).count()).toBe(1);
    }
    await context.close();
  });
});

describe('The Expiring status, said', () => {
  it('a 7-day token shows Expiring, and the badge and its page say the rule', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    const form = await openNewToken(page);
    await form.getByLabel('Name').fill('week token');
    await form.getByRole('checkbox', { name: /orders:read/ }).check();
    await form.getByRole('radio', { name: '7 days' }).check();
    await form.getByRole('button', { name: 'Create token' }).click();
    await page
      .getByRole('dialog', { name: 'Token created' })
      .getByRole('button', { name: 'I have stored the secret' })
      .click();

    const badge = page.getByRole('row', { name: /week token/ }).getByText('Expiring');
    expect(await badge.getAttribute('title')).toBe(EXPIRING_RULE);
    await page.getByRole('link', { name: 'week token' }).click();
    await page.getByRole('heading', { name: 'week token', level: 1 }).waitFor();
    const expires = page
      .locator('.facts > div')
      .filter({ has: page.getByRole('term').getByText('Expires', { exact: true }) })
      .getByRole('definition');
    expect(await expires.textContent()).toContain(EXPIRING_RULE);
    expect(await page.locator('.facts .badge').getAttribute('title')).toBe(EXPIRING_RULE);
    await context.close();
  });
});
