import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (CI installs it: .ci/run), driven by playwright-core. */
export const CHROMIUM = process.env.PATINA_CHROMIUM ?? '/usr/bin/chromium';

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 360, height: 780 };

export async function newContext(
  browser: Browser,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  return browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? DESKTOP,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
}

/** Signs in on the console's sign-in page with a PAT's client id and secret. */
export async function signInWithPat(
  page: Page,
  baseUrl: string,
  credentials: { clientId: string; clientSecret: string },
): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Client ID').fill(credentials.clientId);
  await page.getByLabel('Client secret').fill(credentials.clientSecret);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'My tokens' }).waitFor();
}
