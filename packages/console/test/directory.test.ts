import { RIGHTS, SCIM_BASE, SCIM_MEDIA_TYPE, SCIM_SCHEMAS } from '@patina/contract';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe.js';
import { newContext, PHONE, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

/**
 * Directory (SCIM), a tab of Identities: the base URL to paste into Okta or Entra ID, a token
 * with patina:scim:provision shown once, the directory's latest requests; the identities it
 * provisions carry a Directory badge and offer no roles editing (issue 28).
 */
const env = patinaAndBrowser();

/** The identity the directory provisioned, and the service identity that holds its token. */
let grace: { id: string };
let provisioner: { id: string; name: string };

/** A request of the directory to /scim/v2 with `secret` as its bearer token. */
function scim(secret: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${env.patina.baseUrl}${SCIM_BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, 'content-type': SCIM_MEDIA_TYPE },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  provisioner = await env.patina.api('POST', '/patina/v1/identities', {
    name: 'Okta provisioning',
    login: 'okta-provisioning',
    roles: ['USER'],
  });
  // The directory's token: a PAT of the administrator with patina:scim:provision alone.
  const token = await env.patina.api<{ secret: string }>(
    'POST',
    '/patina/v1/personal-access-tokens',
    { name: 'okta', scope: [RIGHTS.scimProvision] },
  );
  const created = await scim(token.secret, 'POST', '/Users', {
    schemas: [SCIM_SCHEMAS.user],
    userName: 'grace@example.com',
    name: { givenName: 'Grace', familyName: 'Hopper' },
    displayName: 'Grace Hopper',
    emails: [{ value: 'grace@example.com', primary: true }],
    active: true,
  });
  if (created.status !== 201) throw new Error(`SCIM create: ${created.status}`);
  grace = (await created.json()) as { id: string };
  // A duplicate: the events table shows a failure beside the success.
  await scim(token.secret, 'POST', '/Users', {
    schemas: [SCIM_SCHEMAS.user],
    userName: 'grace@example.com',
  });
});

async function signedIn(): Promise<Page> {
  const page = await (await newContext(env.browser)).newPage();
  await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
  return page;
}

async function directoryPage(): Promise<Page> {
  const page = await signedIn();
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Identities' })
    .click();
  await page
    .getByRole('navigation', { name: 'Identities' })
    .getByRole('link', { name: 'Directory (SCIM)' })
    .click();
  await page.getByRole('heading', { name: 'Directory (SCIM)', level: 1 }).waitFor();
  return page;
}

describe('Directory (SCIM)', () => {
  it('shows the base URL to paste, and the directory’s requests with their results', async () => {
    const page = await directoryPage();
    await expect
      .poll(() => page.getByLabel('SCIM base URL', { exact: true }).textContent())
      .toBe(`${env.patina.baseUrl}${SCIM_BASE}`);
    await page.getByRole('button', { name: 'Copy SCIM base URL' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      `${env.patina.baseUrl}${SCIM_BASE}`,
    );
    const events = page.getByRole('table', { name: 'Provisioning events' });
    await events.locator('tbody tr').first().waitFor();
    const rows = await events.locator('tbody tr').allInnerTexts();
    expect(rows).toHaveLength(2);
    // Newest first: the duplicate, refused; then the create.
    expect(rows[0]).toMatch(/Create user[\s\S]*POST \/scim\/v2\/Users[\s\S]*Failed \(409\)/);
    expect(rows[1]).toMatch(/Create user[\s\S]*grace@example\.com[\s\S]*OK \(201\)/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize(PHONE);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    await page.context().close();
  });

  it('creates a token for a service identity it picks, granting the right, and shows it once', async () => {
    const page = await directoryPage();
    const form = page.getByRole('form', { name: 'SCIM token' });
    // The directory-managed person is not offered: deprovisioning them would end the token.
    const offered = await form.getByLabel('Token for').locator('option').allInnerTexts();
    expect(offered.some((o) => o.includes('grace@example.com'))).toBe(false);
    await form.getByLabel('Token for').selectOption(provisioner.id);
    await expect
      .poll(() => form.getByRole('status').textContent())
      .toContain(`${provisioner.name} does not hold ${RIGHTS.scimProvision}`);
    await form.getByRole('button', { name: 'Create SCIM token' }).click();
    const dialog = page.getByRole('dialog', { name: 'SCIM token created' });
    await dialog.waitFor();
    const secret = await dialog.getByLabel('Secret Token / API token').inputValue();
    expect(secret).toMatch(/^patina_[0-9A-Za-z]{57}$/);
    await expect.poll(() => dialog.textContent()).toContain('Paste it as the Secret Token');
    expect(await seriousViolations(page)).toEqual([]);
    // It works at /scim/v2, as a provisioning client of its own: it sees what it provisions
    // (nothing yet), not the administrator's token's users. It holds that right alone.
    const listed = await scim(secret, 'GET', '/Users');
    expect(listed.status).toBe(200);
    expect((await listed.json()) as { totalResults: number }).toMatchObject({ totalResults: 0 });
    const identities = await fetch(`${env.patina.baseUrl}/patina/v1/identities`, {
      headers: {
        authorization: `Bearer ${await env.patina.accessToken(
          (await patOf(provisioner.id)).id,
          secret,
        )}`,
      },
    });
    expect(identities.status).toBe(403);
    // Shown once: closed, it is gone.
    await dialog.getByRole('button', { name: 'I have stored the secret' }).click();
    expect(await page.getByText(secret).count()).toBe(0);
    await page.context().close();
  });

  it('badges directory-managed identities on Identities and offers no roles editing for them', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'Identities' }).click();
    const table = page.getByRole('table', { name: 'Identities' });
    await table.locator('tbody tr').first().waitFor();
    const row = (login: string) =>
      table.locator('tbody tr').filter({ has: page.getByText(login, { exact: true }) });
    const graceRow = row('grace@example.com');
    expect(await graceRow.getByText('Directory', { exact: true }).count()).toBe(1);
    expect(await graceRow.getByRole('button', { name: /^Roles of / }).count()).toBe(0);
    // Disabling stays possible: an administrator can stop someone at once.
    expect(await graceRow.getByRole('button', { name: /^Disable / }).count()).toBe(1);
    const other = row('okta-provisioning');
    expect(await other.getByText('Directory', { exact: true }).count()).toBe(0);
    expect(await other.getByRole('button', { name: 'Roles of Okta provisioning' }).count()).toBe(1);
    expect(grace.id).toMatch(/^[0-9a-f]{32}$/);
    await page.context().close();
  });

  it('keeps the administrator’s nav on one row at 1280 px', async () => {
    const page = await directoryPage();
    const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
    const rows = await links.evaluateAll((all) => all.map((a) => a.getBoundingClientRect().top));
    expect(new Set(rows).size).toBe(1);
    // Identities stays the current entry on its Directory tab.
    expect(
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Identities' })
        .getAttribute('aria-current'),
    ).toBe('page');
    await page.context().close();
  });
});

/** The newest PAT of an identity (the one the page just made). */
async function patOf(ownerId: string): Promise<{ id: string }> {
  const pats = await env.patina.api<{ id: string }[]>(
    'GET',
    `/patina/v1/personal-access-tokens?owner-id=${ownerId}&sorters=-created&limit=1`,
  );
  if (!pats[0]) throw new Error('no PAT');
  return pats[0];
}
