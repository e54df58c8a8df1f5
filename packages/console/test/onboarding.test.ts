import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { plural } from '../src/format.js';
import { DESKTOP, newContext, PHONE, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';
import { PatinaProcess } from './server.js';

const DAY_MS = 86_400_000;
/** PATINA_SHOTS=dir photographs the new dialogs and the overview's first week. */
const SHOTS = process.env.PATINA_SHOTS;

const env = patinaAndBrowser({
  scopes: [{ name: 'orders:read', description: 'Read the orders of your team' }],
});

interface Identity {
  id: string;
}

function identity(name: string, login: string): Promise<Identity> {
  return env.patina.api<Identity>('POST', '/patina/v1/identities', {
    name,
    login,
    roles: ['USER'],
  });
}

function patFor(owner: Identity, name: string, expiresInDays: number): Promise<unknown> {
  return env.patina.api('POST', `/patina/v1/identities/${owner.id}/personal-access-tokens`, {
    name,
    scope: ['sp:my-personal-access-tokens:read'],
    expirationDate: new Date(Date.now() + expiresInDays * DAY_MS).toISOString(),
  });
}

/** Screenshots in light and dark, 1280 and 360 px wide; the page is left as it was. */
async function shoot(page: Page, name: string, dialog: Locator): Promise<void> {
  if (!SHOTS) return;
  for (const [scheme, viewport] of [
    ['light', DESKTOP],
    ['dark', PHONE],
  ] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize(viewport);
    await page.screenshot({
      path: `${SHOTS}/onboarding-${name}-${scheme}-${viewport.width}.png`,
    });
    await dialog.screenshot({
      path: `${SHOTS}/onboarding-${name}-${scheme}-${viewport.width}-dialog.png`,
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP);
}

async function openIdentities(page: Page): Promise<void> {
  await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
  await page.getByRole('link', { name: 'Identities' }).click();
  await page.getByRole('heading', { name: 'Identities', level: 1 }).waitFor();
}

describe('Onboarding an identity with its first token', () => {
  it('creates the identity and a 7-day token in one step, and shows the secret once with how to hand it over', async () => {
    const page = await (await newContext(env.browser)).newPage();
    await openIdentities(page);
    await page.getByRole('button', { name: 'New identity' }).click();
    const form = page.getByRole('dialog', { name: 'New identity' });
    await form.getByLabel('Name', { exact: true }).fill('Dana Dev');
    await form.getByLabel('Login').fill('dana');
    await form.getByRole('checkbox', { name: /Issue their first personal access token/ }).check();

    const token = form.getByRole('group', { name: 'First token' });
    await token.getByLabel('Token name').fill('Onboarding');
    // A USER holds only the my- rights: an administrator's rights are not offered.
    await expect
      .poll(() =>
        token.getByRole('checkbox', { name: /sp:my-personal-access-tokens:read/ }).count(),
      )
      .toBe(1);
    expect(
      await token.getByRole('checkbox', { name: /sp:all-personal-access-tokens:manage/ }).count(),
    ).toBe(0);
    expect(await token.getByRole('checkbox', { name: /orders:read/ }).count()).toBe(0);
    expect(await token.getByRole('radio', { name: '7 days' }).isChecked()).toBe(true);
    await token.getByRole('checkbox', { name: /sp:my-personal-access-tokens:read/ }).check();
    await shoot(page, 'new-identity', form);
    await form.getByRole('button', { name: 'Create identity and token' }).click();

    const shown = page.getByRole('dialog', { name: 'First token of Dana Dev' });
    await expect
      .poll(() => shown.getByRole('status').first().textContent())
      .toBe('Copy the secret now. It will not be shown again: Patina keeps only a digest of it.');
    const secret = await shown.getByLabel('Client secret').inputValue();
    const clientId = (await shown.locator('code.mono').first().textContent())!;
    const handover = shown.getByRole('region', { name: 'Hand it to Dana Dev safely' });
    const advice = await handover.textContent();
    expect(advice).toContain('Share it through your password manager');
    expect(advice).toContain('Never send it by chat or e-mail');
    const inSevenDays = new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(
      new Date(Date.now() + 7 * DAY_MS),
    );
    expect(advice).toContain(`It expires ${inSevenDays}.`);
    await shoot(page, 'handover', shown);

    // The token is Dana's and works at the real token endpoint.
    expect(await env.patina.exchangeStatus(clientId, secret)).toBe(200);
    const pats = await env.patina.api<{ id: string; name: string; owner: { name: string } }[]>(
      'GET',
      '/patina/v1/personal-access-tokens?limit=250',
    );
    expect(pats.filter((p) => p.id === clientId).map((p) => [p.name, p.owner.name])).toEqual([
      ['Onboarding', 'Dana Dev'],
    ]);

    await shown.getByRole('button', { name: 'I have handed it over' }).click();
    await shown.waitFor({ state: 'hidden' });
    // Never shown again: the page holds no secret once the dialog is closed.
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('cell', { name: 'dana', exact: true }).waitFor();
  });

  it('when the token fails after the identity was made, a retry issues only the token', async () => {
    const page = await (await newContext(env.browser)).newPage();
    await openIdentities(page);
    let refused = 0;
    await page.route('**/ui/api/patina/v1/identities/*/personal-access-tokens', (route) => {
      if (refused++ > 0) return route.continue();
      return route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          detailCode: '400.1 Bad request content',
          trackingId: '0123456789abcdef0123456789abcdef',
          messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: 'Refused for the test' }],
        }),
      });
    });
    await page.getByRole('button', { name: 'New identity' }).click();
    const form = page.getByRole('dialog', { name: 'New identity' });
    await form.getByLabel('Name', { exact: true }).fill('Rita Retry');
    await form.getByLabel('Login').fill('rita');
    await form.getByRole('checkbox', { name: /Issue their first personal access token/ }).check();
    await form.getByLabel('Token name').fill('Onboarding');
    await form.getByRole('checkbox', { name: /sp:my-personal-access-tokens:read/ }).check();
    await form.getByRole('button', { name: 'Create identity and token' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('Refused for the test');
    expect(await form.getByRole('status').textContent()).toBe(
      'Rita Retry was created. Their first token was not: change it and try again, or cancel.',
    );
    expect(await form.getByLabel('Login').isDisabled()).toBe(true);
    await form.getByRole('button', { name: 'Create identity and token' }).click();
    await page.getByRole('dialog', { name: 'First token of Rita Retry' }).waitFor();
    const all = await env.patina.api<{ login: string }[]>('GET', '/patina/v1/identities?limit=250');
    expect(all.filter((i) => i.login === 'rita')).toHaveLength(1);
  });

  it('has Cancel, and an error under a field that clears when the field changes', async () => {
    await identity('Taken Login', 'taken');
    const page = await (await newContext(env.browser)).newPage();
    await openIdentities(page);

    await page.getByRole('button', { name: 'New identity' }).click();
    const form = page.getByRole('dialog', { name: 'New identity' });
    await form.getByLabel('Name', { exact: true }).fill('Never Made');
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'hidden' });
    expect(await page.getByRole('cell', { name: 'Never Made' }).count()).toBe(0);

    await page.getByRole('button', { name: 'New identity' }).click();
    await form.getByLabel('Name', { exact: true }).fill('Second Taken');
    const login = form.getByLabel('Login');
    await login.fill('taken');
    await form.getByRole('button', { name: 'Create identity' }).click();
    const error = form.locator('#new-identity-login-error');
    await expect
      .poll(() => error.textContent())
      .toBe("An identity with login 'taken' already exists");
    expect(await login.getAttribute('aria-invalid')).toBe('true');
    expect(await login.getAttribute('aria-describedby')).toBe('new-identity-login-error');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/onboarding-field-error-light-1280.png` });
    // Changing another field leaves it; changing the login clears it.
    await form.getByLabel('Email').fill('second@example.com');
    expect(await error.count()).toBe(1);
    await login.press('End');
    await page.keyboard.type('2');
    await expect.poll(() => error.count()).toBe(0);
    expect(await login.getAttribute('aria-invalid')).toBeNull();
    await form.getByRole('button', { name: 'Create identity' }).click();
    await form.waitFor({ state: 'hidden' });
    await page.getByRole('cell', { name: 'taken2', exact: true }).waitFor();
  });
});

describe('Counts are pluralised', () => {
  it('says "1 token", "2 tokens"', () => {
    expect(plural(0, 'token')).toBe('0 tokens');
    expect(plural(1, 'token expires', 'tokens expire')).toBe('1 token expires');
    expect(plural(2, 'token expires', 'tokens expire')).toBe('2 tokens expire');
  });

  it('in the offboarding preview', async () => {
    const one = await identity('Olive One', 'olive');
    await patFor(one, 'laptop', 30);
    const two = await identity('Tom Two', 'tom');
    await patFor(two, 'laptop', 30);
    await patFor(two, 'desktop', 30);
    const page = await (await newContext(env.browser)).newPage();
    await openIdentities(page);

    const preview = async (name: string) => {
      await page.getByRole('button', { name: `Offboard ${name}` }).click();
      const dialog = page.getByRole('dialog', { name: `Offboard ${name}?` });
      const text = await dialog.locator('p').first().textContent();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      return text;
    };
    expect(await preview('Olive One')).toBe(
      '1 token will be revoked at once, managed ones too; whatever uses it stops working. The identity will be disabled and signed out of the console.',
    );
    expect(await preview('Tom Two')).toBe(
      '2 tokens will be revoked at once, managed ones too; whatever uses them stops working. The identity will be disabled and signed out of the console.',
    );
  });

  it('in the overview’s expiry summary, whose first bar stays clear of the axis at 360 px', async () => {
    // Its own server: the summary counts every token there.
    const own = await PatinaProcess.start();
    try {
      const owner = await own.api<Identity>('POST', '/patina/v1/identities', {
        name: 'Una',
        login: 'una',
        roles: ['USER'],
      });
      const add = (name: string, days: number) =>
        own.api('POST', `/patina/v1/identities/${owner.id}/personal-access-tokens`, {
          name,
          scope: ['sp:my-personal-access-tokens:read'],
          expirationDate: new Date(Date.now() + days * DAY_MS).toISOString(),
        });
      await add('soon', 3);
      for (const scheme of ['light', 'dark'] as const) {
        const page = await (
          await newContext(env.browser, { viewport: PHONE, colorScheme: scheme })
        ).newPage();
        await signInWithPat(page, own.baseUrl, own.bootstrap());
        await page.getByRole('link', { name: 'Overview' }).click();
        const chart = page.getByRole('region', { name: 'Tokens expiring per week' });
        await chart.locator('.recharts-bar-rectangle').first().waitFor();
        if (scheme === 'light') {
          expect(await chart.locator('.chart-summary').textContent()).toBe(
            '1 token expires in the next 12 weeks, 1 of them within 4 weeks.',
          );
        }
        const box = async (selector: string) =>
          (await chart.locator(selector).first().boundingBox())!;
        const bar = await box('.recharts-bar-rectangle path');
        const yAxis = await box('.recharts-yAxis .recharts-cartesian-axis-line');
        const yLabels = await chart
          .locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value')
          .evaluateAll((ticks) => Math.max(...ticks.map((t) => t.getBoundingClientRect().right)));
        expect(yLabels).toBeGreaterThan(0);
        const firstTick = chart
          .locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')
          .first();
        const tick = (await firstTick.boundingBox())!;
        // The first bar stands apart from the Y axis, and the first week keeps its own label,
        // under its bar and clear of the Y axis's numbers.
        expect(bar.x).toBeGreaterThanOrEqual(yAxis.x + 8);
        expect(tick.x).toBeGreaterThan(yLabels);
        expect(Math.abs(tick.x + tick.width / 2 - (bar.x + bar.width / 2))).toBeLessThan(2);
        if (SHOTS) {
          await chart.screenshot({ path: `${SHOTS}/onboarding-overview-week-${scheme}-360.png` });
        }
      }
      await add('later', 20);
      const page = await (await newContext(env.browser)).newPage();
      await signInWithPat(page, own.baseUrl, own.bootstrap());
      await page.getByRole('link', { name: 'Overview' }).click();
      const summary = page
        .getByRole('region', { name: 'Tokens expiring per week' })
        .locator('.chart-summary');
      await expect
        .poll(() => summary.textContent())
        .toBe('2 tokens expire in the next 12 weeks, 2 of them within 4 weeks.');
    } finally {
      await own.stop();
    }
  });
});

describe('Before sign-in', () => {
  it('clears a refused sign-in’s message when a field changes', async () => {
    const page = await (await newContext(env.browser)).newPage();
    await page.goto(`${env.patina.baseUrl}/ui/`);
    await page.getByLabel('Client ID').fill(env.patina.bootstrap().clientId);
    const secret = page.getByLabel('Client secret');
    await secret.fill('not-the-secret');
    await secret.press('Enter');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toBe('Wrong client id or secret');
    await secret.press('Backspace');
    await expect.poll(() => alert.count()).toBe(0);
  });

  it('shows the sign-in page with no failed request or error in the browser console', async () => {
    // Not signed in is a 200 { signedIn: false } from /ui/auth/session: a 401 there was logged
    // by Chromium as a failed resource on every visit.
    const page = await (await newContext(env.browser)).newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`);
    });
    await page.goto(`${env.patina.baseUrl}/ui/`);
    await page.waitForURL('**/ui/sign-in');
    await page.getByRole('heading', { name: 'Sign in to Patina' }).waitFor();
    await page.getByLabel('Client ID').waitFor();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
    expect(problems).toEqual([]);
  });
});
