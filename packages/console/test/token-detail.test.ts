import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, PHONE, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

/**
 * A token's detail view (reached from both lists, every field, copy, rotate with a grace window,
 * edit) and the create form's allowed addresses, access-token lifetime and expiry cap.
 * PATINA_SHOTS=dir photographs the detail view in light and dark, desktop and phone.
 */
const SHOTS = process.env.PATINA_SHOTS;
const DAY_MS = 86_400_000;
const USER_AGENT = 'deploy-script/2.1';

interface PatBody {
  id: string;
  secret: string;
  description: string;
  allowedCidrs: string[] | null;
  expirationDate: string | null;
  accessTokenValiditySeconds: number;
  previousSecretValidUntil: string | null;
  scope: string[];
}

const env = patinaAndBrowser({
  scopes: [{ name: 'orders:read', description: 'Read the orders of your team' }],
});

/** A PAT of the administrator, made through the API. */
function createPat(body: Record<string, unknown>): Promise<PatBody> {
  return env.patina.api<PatBody>('POST', '/patina/v1/personal-access-tokens', {
    scope: ['orders:read'],
    expirationDate: new Date(Date.now() + 30 * DAY_MS).toISOString(),
    ...body,
  });
}

/** The value shown beside a term of the detail view. */
function fact(page: Page, term: string) {
  return page
    .locator('.facts > div')
    .filter({ has: page.getByRole('term').getByText(term, { exact: true }) })
    .getByRole('definition');
}

/** Calendar months in UTC, clamped to the month's end: the server's cap, computed here apart. */
function monthsAhead(from: Date, months: number): string {
  const y = from.getUTCFullYear();
  const m = from.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(from.getUTCDate(), last))).toISOString().slice(0, 10);
}

describe('A token in detail', () => {
  it('is reached from My tokens and shows every field; copy, rotate with a grace window', async () => {
    const pat = await createPat({
      name: 'deploy bot',
      description: 'Ships the orders service',
      allowedCidrs: ['127.0.0.0/8', '::1'],
      accessTokenValiditySeconds: 900,
    });
    expect(await env.patina.exchangeStatus(pat.id, pat.secret, USER_AGENT)).toBe(200);
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());

    // The list shows the client ID on hover, and the name opens the token's page.
    const link = page.getByRole('link', { name: 'deploy bot' });
    expect(await link.getAttribute('title')).toBe(`Client ID ${pat.id}: open for details`);
    await link.click();
    await page.getByRole('heading', { name: 'deploy bot', level: 1 }).waitFor();
    expect(page.url()).toBe(`${env.patina.baseUrl}/ui/tokens/${pat.id}`);
    expect(await fact(page, 'Client ID').getByRole('code').textContent()).toBe(pat.id);
    expect(await fact(page, 'Status').textContent()).toBe('Active');
    expect(await fact(page, 'Description').textContent()).toBe('Ships the orders service');
    expect(await fact(page, 'Scopes').textContent()).toBe('orders:read');
    expect(await fact(page, 'Allowed addresses').textContent()).toBe('127.0.0.0/8::1/128');
    expect(await fact(page, 'Access-token lifetime').textContent()).toBe('15 minutes');
    expect(await fact(page, 'Last rotated').textContent()).toBe('Never');
    expect(await fact(page, 'Expires').textContent()).toContain('(in 4 weeks)');
    expect(await fact(page, 'Last used').textContent()).toContain('(just now)');
    const from = await fact(page, 'Used from').textContent();
    expect(from).toContain('127.0.0.1');
    expect(from).toContain(USER_AGENT);
    // The exchange, from the audit trail filtered to this PAT.
    const exchanges = page.getByRole('table', { name: 'Recent exchanges of deploy bot' });
    const cells = await exchanges.getByRole('row').nth(1).getByRole('cell').allTextContents();
    expect(cells).toEqual(['just now', 'Success', '127.0.0.1', USER_AGENT]);
    expect(await page.content()).not.toContain(pat.secret);

    await page.getByRole('button', { name: 'Copy client ID' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(pat.id);

    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(
      [],
    );

    // Rotate from here, keeping the old secret an hour: the view says until when.
    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate deploy bot?' });
    await rotate.getByRole('radio', { name: '1 hour' }).check();
    await rotate.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = page.getByRole('dialog', { name: 'Token rotated' });
    const newSecret = await rotated.getByLabel('Client secret').inputValue();
    await rotated.getByRole('button', { name: 'I have stored the secret' }).click();
    const graceEnd = fact(page, 'Old secret works until').locator('time');
    await graceEnd.waitFor();
    const stored = await env.patina.api<PatBody>(
      'GET',
      `/patina/v1/personal-access-tokens/${pat.id}`,
    );
    expect(stored.previousSecretValidUntil).not.toBeNull();
    expect(await graceEnd.getAttribute('datetime')).toBe(stored.previousSecretValidUntil);
    // An hour less the moments since the rotation.
    expect(await graceEnd.textContent()).toMatch(/\(in (60|59) minutes\)$/);
    expect(await fact(page, 'Last rotated').textContent()).toContain('(just now)');
    // Both secrets work in the grace window.
    expect(await env.patina.exchangeStatus(pat.id, newSecret, USER_AGENT)).toBe(200);
    expect(await env.patina.exchangeStatus(pat.id, pat.secret, USER_AGENT)).toBe(200);

    if (SHOTS) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.screenshot({
          path: `${SHOTS}/tokens-detail-1280-${scheme}.png`,
          fullPage: true,
        });
        await page.setViewportSize(PHONE);
        await page.screenshot({ path: `${SHOTS}/tokens-detail-360-${scheme}.png`, fullPage: true });
        await page.setViewportSize({ width: 1280, height: 860 });
      }
    }

    // Delete from here: back to the list, the token gone.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page
      .getByRole('dialog', { name: 'Delete deploy bot?' })
      .getByRole('button', { name: 'Delete token' })
      .click();
    await page.getByRole('heading', { name: 'My tokens' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'deploy bot' }).count()).toBe(0);
    await context.close();
  });

  it('is reached from All tokens, with the owner named', async () => {
    const identity = await env.patina.api<{ id: string }>('POST', '/patina/v1/identities', {
      name: 'Grace Hopper',
      login: 'grace',
      roles: ['USER'],
    });
    const pat = await env.patina.api<PatBody>(
      'POST',
      `/patina/v1/identities/${identity.id}/personal-access-tokens`,
      { name: 'grace laptop', scope: ['sp:my-personal-access-tokens:read'] },
    );
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'All tokens' })
      .click();
    await page.getByRole('link', { name: 'grace laptop' }).click();
    await page.getByRole('heading', { name: 'grace laptop', level: 1 }).waitFor();
    expect(await fact(page, 'Client ID').getByRole('code').textContent()).toBe(pat.id);
    expect(await fact(page, 'Owner').textContent()).toBe('Grace Hopper');
    await page.getByRole('link', { name: '← All tokens' }).click();
    await page.getByRole('heading', { name: 'All tokens' }).waitFor();
    await context.close();
  });

  it('edits the description and the allowed addresses, refusing a bad entry as it is typed', async () => {
    const pat = await createPat({ name: 'nightly export', description: 'Old words' });
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.goto(`${env.patina.baseUrl}/ui/tokens/${pat.id}`);
    await page.getByRole('heading', { name: 'nightly export', level: 1 }).waitFor();
    expect(await fact(page, 'Allowed addresses').textContent()).toBe('Anywhere');

    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const edit = page.getByRole('dialog', { name: 'Edit nightly export' });
    await edit.getByLabel('Description').fill('Exports orders to the warehouse');
    const cidrs = edit.getByRole('textbox', { name: /Allowed addresses/ });
    await cidrs.fill('192.0.2.0/24\n10.1.2.3/8');
    await expect
      .poll(() => edit.getByRole('alert').textContent())
      .toBe('“10.1.2.3/8” has bits set after its /8 prefix.');
    expect(await cidrs.getAttribute('aria-invalid')).toBe('true');
    expect(await edit.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(
      [],
    );
    if (SHOTS) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.screenshot({ path: `${SHOTS}/tokens-edit-1280-${scheme}.png` });
        await page.setViewportSize(PHONE);
        await page.screenshot({ path: `${SHOTS}/tokens-edit-360-${scheme}.png` });
        await page.setViewportSize({ width: 1280, height: 860 });
      }
    }
    await cidrs.fill('192.0.2.0/24\n10.0.0.0/8');
    expect(await edit.getByRole('alert').count()).toBe(0);
    // Scopes and expiry too; the expiry capped by calendar months from when it was made.
    await edit.getByRole('checkbox', { name: /sp:my-personal-access-tokens:read/ }).check();
    const latest = monthsAhead(new Date(), 6);
    const expiry = edit.getByLabel('Expiry date');
    expect(await expiry.getAttribute('max')).toBe(latest);
    await expiry.fill(latest);
    await edit.getByRole('button', { name: 'Save' }).click();

    await expect
      .poll(() => fact(page, 'Allowed addresses').textContent())
      .toBe('192.0.2.0/2410.0.0.0/8');
    expect(await fact(page, 'Description').textContent()).toBe('Exports orders to the warehouse');
    const stored = await env.patina.api<PatBody>(
      'GET',
      `/patina/v1/personal-access-tokens/${pat.id}`,
    );
    expect(stored.description).toBe('Exports orders to the warehouse');
    expect(stored.allowedCidrs).toEqual(['192.0.2.0/24', '10.0.0.0/8']);
    expect(stored.scope).toEqual(['orders:read', 'sp:my-personal-access-tokens:read']);
    expect(stored.expirationDate?.slice(0, 10)).toBe(latest);
    expect(await fact(page, 'Scopes').textContent()).toBe(
      'orders:readsp:my-personal-access-tokens:read',
    );

    // Emptied: usable from anywhere again.
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await edit.getByRole('textbox', { name: /Allowed addresses/ }).fill('');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => fact(page, 'Allowed addresses').textContent()).toBe('Anywhere');
    await context.close();
  });
});

describe('The New token form', () => {
  it('checks allowed addresses as they are typed, and takes every field the API takes', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.getByRole('button', { name: 'New token' }).click();
    const form = page.getByRole('dialog', { name: 'New token' });
    await form.getByLabel('Name').fill('warehouse sync');
    await form.getByLabel('Description (optional)').fill('Copies orders nightly');
    await form.getByRole('checkbox', { name: /orders:read/ }).check();

    const cidrs = form.getByRole('textbox', { name: /Allowed addresses/ });
    await cidrs.fill('203.0.113.0/24, 2001:db8::/129');
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe('“2001:db8::/129” has a prefix length outside 0–128.');
    await cidrs.fill('203.0.113.0/24, 2001:db8::/32, 300.1.1.1');
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe('“300.1.1.1” is not an IPv4 or IPv6 address.');
    expect(await form.getByRole('button', { name: 'Create token' }).isDisabled()).toBe(true);
    if (SHOTS) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.screenshot({ path: `${SHOTS}/tokens-new-1280-${scheme}.png` });
        await page.setViewportSize(PHONE);
        await page.screenshot({ path: `${SHOTS}/tokens-new-360-${scheme}.png` });
        await page.setViewportSize({ width: 1280, height: 860 });
      }
    }
    await cidrs.fill('203.0.113.0/24, 2001:db8::/32');
    expect(await form.getByRole('alert').count()).toBe(0);

    // An access-token lifetime of the caller's choosing, within the policy's bounds.
    await form.getByRole('combobox', { name: /Access-token lifetime/ }).selectOption('custom');
    const seconds = form.getByRole('spinbutton', { name: /Access-token lifetime in seconds/ });
    expect([await seconds.getAttribute('min'), await seconds.getAttribute('max')]).toEqual([
      '15',
      '43200',
    ]);
    await seconds.fill('600');

    // The latest expiry the API accepts: six calendar months from today (the default policy).
    const latest = monthsAhead(new Date(), 6);
    await form.getByRole('radio', { name: 'Custom' }).check();
    const expiry = form.getByLabel('Expiry date');
    expect(await expiry.getAttribute('max')).toBe(latest);
    await expiry.fill(latest);
    await form.getByRole('button', { name: 'Create token' }).click();

    const shown = page.getByRole('dialog', { name: 'Token created' });
    const clientId = (await shown.locator('code.mono').first().textContent())!;
    await shown.getByRole('button', { name: 'I have stored the secret' }).click();
    const stored = await env.patina.api<PatBody>(
      'GET',
      `/patina/v1/personal-access-tokens/${clientId}`,
    );
    expect(stored.allowedCidrs).toEqual(['203.0.113.0/24', '2001:db8::/32']);
    expect(stored.description).toBe('Copies orders nightly');
    expect(stored.accessTokenValiditySeconds).toBe(600);
    expect(stored.expirationDate?.slice(0, 10)).toBe(latest);
    await context.close();
  });
});
