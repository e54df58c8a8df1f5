import {
  ACCESS_REVIEW_CSV_COLUMNS,
  ACCESS_REVIEWS_PATH,
  RIGHTS,
  type AccessReview,
  type AccessReviewItem,
  type AccessReviewReport,
} from '@patina/contract';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { layoutProblems } from './axe.js';
import { newContext, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

const DAY_MS = 86_400_000;

const env = patinaAndBrowser({
  scopes: [
    { name: 'orders:read', description: 'Read the orders of your team' },
    { name: 'invoices:read', description: 'Read invoices' },
    { name: 'ledger:read', description: 'Read the ledger' },
  ],
});

interface Person {
  identity: { id: string; name: string };
  login: { id: string; secret: string };
}

/** A USER holding `rights`, with a PAT for the console (the my- rights). */
async function person(name: string, login: string, rights: string[] = []): Promise<Person> {
  const identity = await env.patina.api<{ id: string; name: string }>(
    'POST',
    '/patina/v1/identities',
    { name, login, roles: ['USER'], rights },
  );
  const pat = await env.patina.api<{ id: string; secret: string }>(
    'POST',
    `/patina/v1/identities/${identity.id}/personal-access-tokens`,
    { name: `${login} console`, scope: [RIGHTS.myRead, RIGHTS.myManage] },
  );
  return { identity, login: pat };
}

/** A PAT of `owner` with `scope`, made by the administrator. */
function patOf(
  owner: Person,
  name: string,
  scope: string,
): Promise<{ id: string; secret: string }> {
  return env.patina.api(
    'POST',
    `/patina/v1/identities/${owner.identity.id}/personal-access-tokens`,
    {
      name,
      scope: [scope],
      expirationDate: new Date(Date.now() + 60 * DAY_MS).toISOString(),
    },
  );
}

async function signedIn(credentials: { clientId: string; clientSecret: string }): Promise<Page> {
  const page = await (await newContext(env.browser)).newPage();
  await signInWithPat(page, env.patina.baseUrl, credentials);
  return page;
}

const asPerson = (p: Person) => signedIn({ clientId: p.login.id, clientSecret: p.login.secret });

/** A tab of Approvals (Requests, Reviews, Campaigns), through the main nav. */
async function openTab(page: Page, tab: 'Reviews' | 'Campaigns'): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Approvals' })
    .click();
  await page
    .getByRole('navigation', { name: 'Approvals' })
    .getByRole('link', { name: tab })
    .click();
  await page.getByRole('heading', { name: tab, level: 1 }).waitFor();
}

const rowOf = (scope: ReturnType<Page['getByRole']>, name: string) =>
  scope.locator('tbody tr').filter({ hasText: name });

async function items(reviewId: string): Promise<AccessReviewItem[]> {
  return env.patina.api('GET', `${ACCESS_REVIEWS_PATH}/${reviewId}/items?limit=250`);
}

describe('access reviews', () => {
  it('a named reviewer certifies two tokens and revokes two in bulk, with the evidence in view', async () => {
    const oscar = await person('Oscar Owner', 'oscar', ['orders:read']);
    const rita = await person('Rita Reviewer', 'rita');
    const pats = {
      a: await patOf(oscar, 'orders export a', 'orders:read'),
      b: await patOf(oscar, 'orders export b', 'orders:read'),
      c: await patOf(oscar, 'orders export c', 'orders:read'),
      d: await patOf(oscar, 'orders export d', 'orders:read'),
    };
    expect(await env.patina.exchangeStatus(pats.a.id, pats.a.secret, 'nightly-job/1.0')).toBe(200);
    const review = await env.patina.api<AccessReview>('POST', ACCESS_REVIEWS_PATH, {
      name: 'Orders tokens Q4',
      // USER: not the administrator's bootstrap PAT, whose all-scopes default matches any scope.
      selection: { scopes: ['orders:read'], ownerRoles: ['USER'] },
      reviewers: [rita.identity.id],
      deadline: new Date(Date.now() + 14 * DAY_MS).toISOString(),
    });

    const page = await asPerson(rita);
    await openTab(page, 'Reviews');
    const campaign = page.getByRole('region', { name: 'Orders tokens Q4' });
    const table = campaign.getByRole('table', { name: 'Tokens to review in Orders tokens Q4' });
    await rowOf(table, 'orders export a').waitFor();
    expect(await table.locator('tbody tr').count()).toBe(4);
    // The evidence: owner, scopes, created and expiry, last use and from where, usage, rotations.
    const a = rowOf(table, 'orders export a');
    expect(await a.locator('td[data-label="Owner"]').innerText()).toContain('Oscar Owner');
    expect(await a.locator('td[data-label="Token"]').innerText()).toContain('orders:read');
    expect(await a.locator('td[data-label="Created · expires"]').innerText()).toContain('expires');
    expect(await a.locator('td[data-label="Last used"]').innerText()).toContain('127.0.0.1');
    expect(await a.locator('td[data-label="Usage, 30 days"]').innerText()).toMatch(
      /\d+ ok, \d+ failed/,
    );
    expect(await a.locator('td[data-label="Rotations"]').innerText()).toBe('0');
    expect(await a.locator('svg.sparkline').count()).toBe(1);

    // Two selected, certified with one comment.
    const bulk = campaign.getByRole('group', { name: 'Bulk decision: Orders tokens Q4' });
    expect(await bulk.getByRole('button', { name: 'Certify selected' }).isDisabled()).toBe(true);
    await table.getByRole('checkbox', { name: 'Select orders export a' }).check();
    await table.getByRole('checkbox', { name: 'Select orders export b' }).check();
    await bulk.getByText('2 tokens selected').waitFor();
    await bulk.getByRole('button', { name: 'Certify selected' }).click();
    const certify = page.getByRole('dialog', { name: 'Certify 2 tokens?' });
    await certify.getByLabel('Comment').fill('Still used by the nightly export');
    await certify.getByRole('button', { name: 'Certify 2 tokens' }).click();
    await page.getByText('Certified 2 tokens.').waitFor();
    await rowOf(table, 'orders export a').waitFor({ state: 'detached' });
    expect(await table.locator('tbody tr').count()).toBe(2);

    // The other two revoked: the dialog says what breaks first.
    await bulk.getByRole('checkbox', { name: 'Select all tokens of Orders tokens Q4' }).check();
    await bulk.getByRole('button', { name: 'Revoke selected' }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke 2 tokens?' });
    const warning = await revoke.innerText();
    expect(warning).toContain('These tokens stop working at once');
    expect(warning).toContain('orders export c');
    expect(warning).toContain('orders export d');
    // A comment is required, for the auditor.
    await revoke.getByRole('button', { name: 'Revoke 2 tokens' }).click();
    await revoke.getByText('Say why, for the auditor.').waitFor();
    await revoke.getByLabel('Comment').fill('Nobody uses these');
    await revoke.getByRole('button', { name: 'Revoke 2 tokens' }).click();
    await page.getByText('Revoked 2 tokens. It can no longer be used.').waitFor();
    await page.getByRole('heading', { name: 'Nothing to review' }).waitFor();
    await page.context().close();

    const outcomes = Object.fromEntries((await items(review.id)).map((i) => [i.pat.name, i]));
    expect(outcomes['orders export a']).toMatchObject({
      outcome: 'CERTIFIED',
      comment: 'Still used by the nightly export',
      decidedBy: { name: 'Rita Reviewer' },
    });
    expect(outcomes['orders export b']?.outcome).toBe('CERTIFIED');
    expect(outcomes['orders export c']).toMatchObject({
      outcome: 'REVOKED',
      comment: 'Nobody uses these',
    });
    expect(outcomes['orders export d']?.outcome).toBe('REVOKED');
    expect(await env.patina.exchangeStatus(pats.b.id, pats.b.secret)).toBe(200);
    expect(await env.patina.exchangeStatus(pats.c.id, pats.c.secret)).not.toBe(200);
  });

  it('an administrator starts a campaign, follows its progress, downloads the reports and closes it', async () => {
    const olga = await person('Olga Owner', 'olga', ['invoices:read']);
    const inv1 = await patOf(olga, 'invoices one', 'invoices:read');
    const inv2 = await patOf(olga, 'invoices two', 'invoices:read');
    await patOf(olga, 'invoices three', 'invoices:read');

    const admin = await signedIn(env.patina.bootstrap());
    await openTab(admin, 'Campaigns');
    await admin.getByRole('button', { name: 'New campaign' }).click();
    const form = admin.getByRole('dialog', { name: 'New campaign' });
    await form.getByLabel('Name', { exact: true }).fill('Invoices review');
    await form
      .getByRole('group', { name: 'With one of these scopes' })
      .getByRole('checkbox', { name: /invoices:read/ })
      .check();
    await form
      .getByRole('group', { name: 'Owned by someone with one of these roles' })
      .getByRole('checkbox', { name: 'USER' })
      .check();
    expect(await form.getByRole('radio', { name: 'Each token’s owner' }).isChecked()).toBe(true);
    expect(await form.getByRole('radio', { name: 'Revoke them' }).isChecked()).toBe(true);
    await form.getByLabel('Repeat').selectOption({ label: 'Every 90 days' });
    // Named reviewers, none named: refused in the form, nothing started.
    await form.getByRole('radio', { name: 'Named reviewers' }).check();
    await form.getByRole('button', { name: 'Start campaign' }).click();
    expect(await form.getByRole('alert').innerText()).toBe('Choose at least one reviewer.');
    await form.getByRole('radio', { name: 'Each token’s owner' }).check();
    await form.getByRole('button', { name: 'Start campaign' }).click();
    await form.waitFor({ state: 'hidden', timeout: 5000 }).catch(async () => {
      throw new Error(await form.innerText());
    });
    await admin.getByText('Started “Invoices review”: 3 tokens to review.').waitFor();

    const campaigns = admin.getByRole('table', { name: 'Access review campaigns' });
    const row = rowOf(campaigns, 'Invoices review');
    expect(await row.locator('td[data-label="Status"]').innerText()).toBe('Open');
    expect(await row.locator('td[data-label="Reviewers"]').innerText()).toBe('Each token’s owner');
    expect(await row.locator('td[data-label="Campaign"]').innerText()).toContain('every 90 days');
    expect(await row.locator('td[data-label="Progress"]').innerText()).toBe(
      '0 of 3 items decided: 0 certified, 0 revoked, 3 pending',
    );
    const review = (await env.patina.api<AccessReview[]>('GET', ACCESS_REVIEWS_PATH)).find(
      (r) => r.name === 'Invoices review',
    );
    expect(review).toMatchObject({
      selection: { scopes: ['invoices:read'] },
      reviewers: 'OWNER',
      whenUndecided: 'revoke',
      every: '90d',
    });

    // The owner certifies one of theirs, with a shorter expiry.
    const owner = await asPerson(olga);
    await openTab(owner, 'Reviews');
    await owner.getByRole('button', { name: 'Certify invoices one' }).click();
    const certify = owner.getByRole('dialog', { name: 'Certify “invoices one”?' });
    await certify.getByLabel('Comment').fill('Month-end close needs it');
    const shorter = new Date(Date.now() + 10 * DAY_MS).toISOString().slice(0, 10);
    await certify.getByLabel(/^Shorten expiry to/).fill(shorter);
    await certify.getByRole('button', { name: 'Certify token' }).click();
    await owner.getByText('Certified “invoices one”.').waitFor();
    await owner.context().close();
    const pat1 = await env.patina.api<{ expirationDate: string }>(
      'GET',
      `/patina/v1/personal-access-tokens/${inv1.id}`,
    );
    expect(pat1.expirationDate.slice(0, 10) <= shorter).toBe(true);

    await admin.reload();
    expect(await row.locator('td[data-label="Progress"]').innerText()).toBe(
      '1 of 3 items decided: 1 certified, 0 revoked, 2 pending',
    );
    expect(await row.locator('td[data-label="Progress"] svg rect.bar-ok').count()).toBe(1);

    // The reports, as files: CSV with the documented columns, JSON with every item.
    const [csv] = await Promise.all([
      admin.waitForEvent('download'),
      row.getByRole('button', { name: 'Download CSV report of Invoices review' }).click(),
    ]);
    expect(csv.suggestedFilename()).toBe(`access-review-${review?.id}.csv`);
    const lines = readFileSync(await csv.path(), 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toBe(ACCESS_REVIEW_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(4);
    const [json] = await Promise.all([
      admin.waitForEvent('download'),
      row.getByRole('button', { name: 'Download JSON report of Invoices review' }).click(),
    ]);
    const report = JSON.parse(readFileSync(await json.path(), 'utf8')) as AccessReviewReport;
    expect(report.review.id).toBe(review?.id);
    expect(report.items).toHaveLength(3);

    // Closing says what happens to the two undecided, then revokes them.
    await row.getByRole('button', { name: 'Close Invoices review' }).click();
    const close = admin.getByRole('dialog', { name: 'Close “Invoices review”?' });
    expect(await close.innerText()).toContain('2 undecided tokens are revoked now');
    await close.getByRole('button', { name: 'Close campaign' }).click();
    await admin.getByText('Closed “Invoices review”: its report is final.').waitFor();
    await row.locator('td[data-label="Status"]', { hasText: 'Closed' }).waitFor();
    expect(await row.locator('td[data-label="Progress"]').innerText()).toContain('2 revoked');
    expect(await row.getByRole('button', { name: 'Close Invoices review' }).count()).toBe(0);
    expect(await env.patina.exchangeStatus(inv2.id, inv2.secret)).not.toBe(200);
    expect(await env.patina.exchangeStatus(inv1.id, inv1.secret)).toBe(200);
    await admin.context().close();
  });

  it('is readable at phone width, keyboard-usable and has no serious accessibility finding', async () => {
    const lena = await person('Lena Ledger', 'lena', ['ledger:read']);
    await patOf(lena, 'ledger sync', 'ledger:read');
    await env.patina.api('POST', ACCESS_REVIEWS_PATH, {
      name: 'Ledger review',
      selection: { scopes: ['ledger:read'], ownerRoles: ['USER'] },
      reviewers: 'OWNER',
      deadline: new Date(Date.now() + 7 * DAY_MS).toISOString(),
      whenUndecided: 'keep',
    });
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const page = await (await newContext(env.browser, { colorScheme: scheme })).newPage();
      await signInWithPat(page, env.patina.baseUrl, {
        clientId: lena.login.id,
        clientSecret: lena.login.secret,
      });
      await openTab(page, 'Reviews');
      await page.getByRole('button', { name: 'Revoke ledger sync' }).waitFor();
      found.push(...(await layoutProblems(page, `inbox (${scheme})`)));
      // Select from the keyboard, open the bulk revoke, and leave it with Escape.
      await page.getByRole('checkbox', { name: 'Select ledger sync' }).focus();
      await page.keyboard.press('Space');
      await page.getByRole('button', { name: 'Revoke selected' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Revoke “ledger sync”?' });
      await dialog.waitFor();
      found.push(...(await layoutProblems(page, `revoke dialog (${scheme})`)));
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      await page.context().close();

      const admin = await (await newContext(env.browser, { colorScheme: scheme })).newPage();
      await signInWithPat(admin, env.patina.baseUrl, env.patina.bootstrap());
      await openTab(admin, 'Campaigns');
      await rowOf(
        admin.getByRole('table', { name: 'Access review campaigns' }),
        'Ledger review',
      ).waitFor();
      found.push(...(await layoutProblems(admin, `campaigns (${scheme})`)));
      await admin.getByRole('button', { name: 'New campaign' }).click();
      await admin
        .getByRole('dialog', { name: 'New campaign' })
        .getByRole('radio', { name: 'Named reviewers' })
        .check();
      await admin
        .getByRole('group', { name: 'Named reviewers' })
        .getByRole('checkbox')
        .first()
        .waitFor();
      found.push(...(await layoutProblems(admin, `new campaign (${scheme})`)));
      await admin.context().close();
    }
    expect(found).toEqual([]);
  });
});
