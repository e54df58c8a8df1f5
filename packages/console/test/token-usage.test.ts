import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousViolations } from './axe.js';
import { newContext, PHONE, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

const env = patinaAndBrowser({
  scopes: [{ name: 'orders:read', description: 'Read the orders of your team' }],
});

/** Today as the chart's table labels it ("Jan 15", UTC). */
const today = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
}).format(new Date());

/**
 * The detail view until its usage summary says `text`: the server adds the token endpoint's
 * counts to the history every few seconds, not on each exchange.
 */
async function untilSummary(page: Page, text: string): Promise<void> {
  const usage = page.getByRole('region', { name: 'Usage, last 30 days' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    await usage.locator('figcaption').waitFor();
    const shown = await usage.locator('figcaption').innerText();
    if (shown === text) return;
    if (Date.now() > deadline) throw new Error(`usage says "${shown}", not "${text}"`);
    await new Promise((r) => setTimeout(r, 1000));
    await page.reload();
  }
}

describe('a token’s usage', () => {
  it('charts exchanges per day over 30 days, with the numbers for screen readers', async () => {
    const pat = await env.patina.api<{ id: string; secret: string }>(
      'POST',
      '/patina/v1/personal-access-tokens',
      { name: 'usage demo', scope: ['orders:read'] },
    );
    expect(await env.patina.exchangeStatus(pat.id, pat.secret)).toBe(200);
    expect(await env.patina.exchangeStatus(pat.id, pat.secret)).toBe(200);
    expect(await env.patina.exchangeStatus(pat.id, `patina_${'x'.repeat(57)}`)).not.toBe(200);

    const page = await (await newContext(env.browser)).newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.goto(`${env.patina.baseUrl}/ui/tokens/${pat.id}`);
    await page.getByRole('heading', { name: 'usage demo', level: 1 }).waitFor();
    await untilSummary(page, '2 exchanges and 1 failure in 30 days.');

    const usage = page.getByRole('region', { name: 'Usage, last 30 days' });
    // The picture is for the eye; the numbers are a table behind a disclosure.
    expect(await usage.locator('svg').getAttribute('aria-hidden')).toBe('true');
    expect(await usage.locator('svg rect.bar-ok').count()).toBe(1);
    expect(await usage.locator('svg rect.bar-failed').count()).toBe(1);
    await usage.getByText('Show the numbers').click();
    const table = usage.getByRole('table', { name: 'Exchanges of usage demo per UTC day' });
    expect(await table.locator('tbody tr').count()).toBe(30);
    const row = table.getByRole('row', { name: new RegExp(`^${today} `) });
    expect(await row.locator('td').allInnerTexts()).toEqual(['2', '1']);

    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize(PHONE);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    await page.context().close();
  });
});
