import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { newContext, PHONE, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

const DAY_MS = 86_400_000;

const env = patinaAndBrowser();

interface Pat {
  id: string;
  secret: string;
}

beforeAll(async () => {
  // The administrator's bootstrap PAT is used by every api() call: used today.
  const bob = await env.patina.api<{ id: string }>('POST', '/patina/v1/identities', {
    name: 'Bob Builder',
    login: 'bob',
    roles: ['USER'],
  });
  const pat = (name: string, expiresInDays: number) =>
    env.patina.api<Pat>('POST', `/patina/v1/identities/${bob.id}/personal-access-tokens`, {
      name,
      scope: ['sp:my-personal-access-tokens:read'],
      expirationDate: new Date(Date.now() + expiresInDays * DAY_MS).toISOString(),
    });
  const used = await pat('busy service', 100);
  await pat('never used', 100);
  await pat('old laptop', 3); // in the first week
  await pat('nightly export', 20); // in the third week
  expect((await exchange(used, used.secret)).status).toBe(200);
  expect((await exchange(used, `patina_${'x'.repeat(57)}`)).status).toBe(401);
});

function exchange(pat: Pat, secret: string): Promise<Response> {
  return fetch(`${env.patina.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: pat.id,
      client_secret: secret,
    }).toString(),
  });
}

/** The rows of a chart's data table, opened from the keyboard, as [label, ...numbers]. */
async function numbers(page: Page, chart: string): Promise<string[][]> {
  const region = page.getByRole('region', { name: chart });
  const table = region.getByRole('table');
  if (!(await table.isVisible())) {
    await region.getByText('Show the numbers').focus();
    await page.keyboard.press('Enter');
  }
  return rows(table);
}

async function rows(table: Locator): Promise<string[][]> {
  const found: string[][] = [];
  for (const row of await table.locator('tbody tr').all()) {
    found.push(await row.locator('th, td').allTextContents());
  }
  return found;
}

async function stat(page: Page, label: string): Promise<string | null> {
  return page.locator('.stat', { hasText: label }).locator('.stat-value').textContent();
}

describe('The overview, in a real browser', () => {
  it('shows live tokens by last use and by expiry week, and today’s exchanges and failures', async () => {
    const page = await (await newContext(env.browser)).newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.locator('.recharts-bar-rectangle').first().waitFor();

    expect(await stat(page, 'Live tokens')).toBe('5');
    expect(await stat(page, 'Never used')).toBe('3');
    expect(await stat(page, 'Failed exchanges, 30 days')).toBe('1');

    expect(await numbers(page, 'Tokens by last use')).toEqual([
      ['Never', '3'],
      ['Under 7 days', '2'], // the bootstrap PAT and 'busy service'
      ['7 to 30 days', '0'],
      ['30 to 90 days', '0'],
      ['90 days or more', '0'],
    ]);

    const weeks = await numbers(page, 'Tokens expiring per week');
    expect(weeks).toHaveLength(12);
    expect(weeks.map((w) => w[1])).toEqual([
      '1',
      '0',
      '1',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
    ]);

    const days = await numbers(page, 'Exchanges and failures per day');
    expect(days).toHaveLength(30);
    const today = new Intl.DateTimeFormat('en', {
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC',
    }).format(new Date());
    expect(days.at(-1)).toEqual([today, '2', '1']);
    expect(days.slice(0, -1).every(([, ok, failed]) => ok === '0' && failed === '0')).toBe(true);
  });

  it('fits a 360 px phone, charts included', async () => {
    const page = await (await newContext(env.browser, { viewport: PHONE })).newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await numbers(page, 'Exchanges and failures per day');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    const chartWidths = await page
      .locator('.chart-area .recharts-wrapper > svg.recharts-surface')
      .evaluateAll((svgs) => svgs.map((svg) => svg.getBoundingClientRect().width));
    expect(chartWidths).toHaveLength(3);
    for (const width of chartWidths) expect(width).toBeGreaterThan(250);
  });
});
