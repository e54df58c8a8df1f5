import { PAT_REQUESTS_PATH, RIGHTS, type PatRequest } from '@patina/contract';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { layoutProblems } from './axe.js';
import { newContext, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

/** payments:write needs an administrator's yes (docs/governance.md). */
const env = patinaAndBrowser({
  scopes: [
    { name: 'payments:write', description: 'Move money between accounts' },
    { name: 'orders:read', description: 'Read the orders of your team' },
  ],
  approval: {
    rules: [{ scopes: ['payments:write'], approvers: { roles: ['ORG_ADMIN'] } }],
  },
});

interface Person {
  identity: { id: string; name: string };
  pat: { id: string; secret: string };
}

/**
 * A USER who also holds payments:write (a PAT grants only what its owner holds), with a PAT of
 * theirs for the console (the my- rights).
 */
async function person(name: string, login: string): Promise<Person> {
  const identity = await env.patina.api<{ id: string; name: string }>(
    'POST',
    '/patina/v1/identities',
    { name, login, roles: ['USER'], rights: ['payments:write'] },
  );
  const pat = await env.patina.api<{ id: string; secret: string }>(
    'POST',
    `/patina/v1/identities/${identity.id}/personal-access-tokens`,
    // Not sp:scopes:all: that would bring in payments:write, which waits for an approver.
    { name: 'login', scope: [RIGHTS.myRead, RIGHTS.myManage] },
  );
  return { identity, pat };
}

async function signedIn(credentials: { clientId: string; clientSecret: string }): Promise<Page> {
  const page = await (await newContext(env.browser)).newPage();
  await signInWithPat(page, env.patina.baseUrl, credentials);
  return page;
}

const asPerson = (p: Person) => signedIn({ clientId: p.pat.id, clientSecret: p.pat.secret });
const asAdmin = () => signedIn(env.patina.bootstrap());

/** The Requests page through the main nav's Approvals. */
async function openRequests(page: Page): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Approvals' })
    .click();
  await page.getByRole('heading', { name: 'Requests', level: 1 }).waitFor();
}

const toDecide = (page: Page) =>
  page.getByRole('table', { name: 'Requests waiting for your decision' });
const mine = (page: Page) => page.getByRole('table', { name: 'Your requests' });
const rowOf = (table: ReturnType<Page['getByRole']>, name: string) =>
  table.locator('tbody tr').filter({ hasText: name });

/** A request made through the API as `requester`, as `patina pat create` makes one. */
async function requestThroughApi(requester: Person, name: string): Promise<PatRequest> {
  const token = await env.patina.accessToken(requester.pat.id, requester.pat.secret);
  const response = await fetch(`${env.patina.baseUrl}/patina/v1/personal-access-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      scope: ['payments:write'],
      justification: 'Refunds for the spring sale',
    }),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as { request: PatRequest }).request;
}

describe('approval requests', () => {
  it('asks with a justification, an approver approves, the requester reveals the secret once', async () => {
    const ada = await person('Ada Lovelace', 'ada');
    const requester = await asPerson(ada);
    await requester.getByRole('button', { name: 'New token' }).click();
    const form = requester.getByRole('dialog', { name: 'New token' });
    await form.getByLabel('Name', { exact: true }).fill('payouts bot');
    await form.getByRole('checkbox', { name: /payments:write/ }).check();
    await form.getByLabel(/^Justification/).fill('Nightly payouts to suppliers');
    await form.getByLabel(/^Ticket URL/).fill('https://tickets.example.com/FIN-42');
    await form.getByRole('button', { name: 'Create token' }).click();

    // No secret: the request, its id, and the way to the Requests page.
    const held = requester.getByRole('dialog', { name: 'Approval required' });
    await held.waitFor();
    expect(await held.getByLabel('Client secret').count()).toBe(0);
    const requestId = (await held.getByLabel('Request ID', { exact: true }).innerText()).trim();
    expect(requestId).toMatch(/^prq_[0-9a-f]{32}$/);
    expect(await held.innerText()).toContain('payments:write');
    await held.getByRole('link', { name: 'Open Requests' }).click();
    await requester.getByRole('heading', { name: 'Requests', level: 1 }).waitFor();
    const ownRow = rowOf(mine(requester), 'payouts bot');
    expect(await ownRow.locator('td[data-label="Status"]').innerText()).toBe('Pending');
    expect(await ownRow.innerText()).toContain(requestId);
    // Ada may not decide her own request: nothing waits for her.
    expect(await toDecide(requester).count()).toBe(0);
    // Nothing was made yet.
    const pats = await env.patina.api<{ name: string }[]>(
      'GET',
      '/patina/v1/personal-access-tokens?limit=250',
    );
    expect(pats.some((p) => p.name === 'payouts bot')).toBe(false);

    // The administrator sees what an approver needs, and approves with a comment.
    const admin = await asAdmin();
    await openRequests(admin);
    const row = rowOf(toDecide(admin), 'payouts bot');
    expect(await row.locator('td[data-label="Requester"]').innerText()).toContain('Ada Lovelace');
    expect(await row.locator('td[data-label="Sensitive scopes"]').innerText()).toBe(
      'payments:write',
    );
    expect(await row.locator('td[data-label="Justification"]').innerText()).toBe(
      'Nightly payouts to suppliers',
    );
    expect(
      await row.getByRole('link', { name: 'tickets.example.com/FIN-42' }).getAttribute('href'),
    ).toBe('https://tickets.example.com/FIN-42');
    await row.getByRole('button', { name: 'Approve payouts bot' }).click();
    const approve = admin.getByRole('dialog', { name: 'Approve “payouts bot”?' });
    expect(await approve.innerText()).toContain('Ada Lovelace gets the token payouts bot');
    await approve.getByLabel(/^Comment/).fill('Matches FIN-42');
    await approve.getByRole('button', { name: 'Approve request' }).click();
    await admin.getByText('Approved “payouts bot”').waitFor();
    await row.waitFor({ state: 'detached' });
    await admin.context().close();

    // Ada reveals the secret: shown once, with the copy button and warning of a create.
    await requester.reload();
    expect(await ownRow.locator('td[data-label="Status"]').innerText()).toBe('Approved');
    expect(await ownRow.locator('td[data-label="Decision"]').innerText()).toContain(
      'Matches FIN-42',
    );
    await ownRow.getByRole('button', { name: 'Reveal secret of payouts bot' }).click();
    const shown = requester.getByRole('dialog', { name: 'Token approved' });
    await shown.waitFor();
    expect(await shown.innerText()).toContain('It will not be shown again');
    await shown.getByRole('button', { name: 'Copy secret' }).waitFor();
    const clientId = (await shown.getByLabel('Client ID', { exact: true }).innerText()).trim();
    const secret = await shown.getByLabel('Client secret', { exact: true }).inputValue();
    expect(secret).toMatch(/^patina_/);
    expect(await env.patina.exchangeStatus(clientId, secret)).toBe(200);
    await shown.getByRole('button', { name: 'I have stored the secret' }).click();
    await shown.waitFor({ state: 'hidden' });

    // Once: the request is fulfilled and offers no second reveal; the API refuses one too.
    await ownRow.locator('td[data-label="Status"]', { hasText: 'Fulfilled' }).waitFor();
    expect(await ownRow.getByRole('button', { name: /Reveal secret/ }).count()).toBe(0);
    const again = await requester.evaluate(async (id) => {
      const session = (await (await fetch('/ui/auth/session')).json()) as { csrfToken: string };
      const response = await fetch(`/ui/api/patina/v1/pat-requests/${id}/secret`, {
        method: 'POST',
        headers: { 'x-patina-csrf': session.csrfToken, 'content-type': 'application/json' },
        body: '{}',
      });
      return { status: response.status, body: await response.text() };
    }, requestId);
    expect(again.status).toBe(409);
    expect(again.body).not.toContain(secret);
    await requester.context().close();
  });

  it('denies with a comment the requester reads; nothing is made', async () => {
    const bob = await person('Bob Stone', 'bob');
    const request = await requestThroughApi(bob, 'refunds script');

    const admin = await asAdmin();
    await openRequests(admin);
    const row = rowOf(toDecide(admin), 'refunds script');
    await row.getByRole('button', { name: 'Deny refunds script' }).click();
    const deny = admin.getByRole('dialog', { name: 'Deny “refunds script”?' });
    // A denial needs a reason: the button says so instead of sending.
    await deny.getByRole('button', { name: 'Deny request' }).click();
    await deny.getByText('Say why: the requester reads it.').waitFor();
    expect(await deny.getByLabel('Comment').getAttribute('aria-invalid')).toBe('true');
    await deny.getByLabel('Comment').fill('Use the refunds service account instead');
    await deny.getByRole('button', { name: 'Deny request' }).click();
    await admin.getByText('Denied “refunds script”: nothing is made.').waitFor();
    await row.waitFor({ state: 'detached' });
    await admin.context().close();

    const decided = await env.patina.api<PatRequest>('GET', `${PAT_REQUESTS_PATH}/${request.id}`);
    expect(decided).toMatchObject({
      status: 'DENIED',
      comment: 'Use the refunds service account instead',
      patId: null,
    });

    const requester = await asPerson(bob);
    await openRequests(requester);
    const own = rowOf(mine(requester), 'refunds script');
    expect(await own.locator('td[data-label="Status"]').innerText()).toBe('Denied');
    expect(await own.locator('td[data-label="Decision"]').innerText()).toContain(
      'Use the refunds service account instead',
    );
    expect(await own.getByRole('button').count()).toBe(0);
    await requester.context().close();
  });

  it('an edit that adds a sensitive scope waits for an approver and changes nothing yet', async () => {
    const dana = await person('Dana Scully', 'dana');
    const pat = await env.patina.api<{ id: string }>(
      'POST',
      `/patina/v1/identities/${dana.identity.id}/personal-access-tokens`,
      { name: 'reporting', scope: ['orders:read'] },
    );
    const page = await asPerson(dana);
    await page.getByRole('button', { name: 'Edit reporting' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit reporting' });
    // The justification is asked for only when a scope is added.
    expect(await edit.getByLabel(/^Justification/).count()).toBe(0);
    await edit.getByRole('checkbox', { name: /payments:write/ }).check();
    await edit.getByLabel(/^Justification/).fill('Reporting now reconciles payouts');
    await edit.getByRole('button', { name: 'Save' }).click();
    const held = page.getByRole('dialog', { name: 'Approval required' });
    await held.waitFor();
    expect(await held.innerText()).toContain('a scope of reporting needs an approver’s yes');
    const unchanged = await env.patina.api<{ scope: string[] }>(
      'GET',
      `/patina/v1/personal-access-tokens/${pat.id}`,
    );
    expect(unchanged.scope).toEqual(['orders:read']);
    const requests = await env.patina.api<PatRequest[]>(
      'GET',
      `${PAT_REQUESTS_PATH}?status=pending`,
    );
    expect(requests.find((r) => r.patId === pat.id)).toMatchObject({
      kind: 'SCOPE_CHANGE',
      justification: 'Reporting now reconciles payouts',
      sensitiveScopes: ['payments:write'],
    });
    await page.context().close();
  });

  it('is readable at phone width, keyboard-usable and has no serious accessibility finding', async () => {
    const cleo = await person('Cleo Park', 'cleo');
    await requestThroughApi(cleo, 'ledger sync');
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const page = await (await newContext(env.browser, { colorScheme: scheme })).newPage();
      await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
      await openRequests(page);
      await rowOf(toDecide(page), 'ledger sync').waitFor();
      found.push(...(await layoutProblems(page, `requests (${scheme})`)));
      // The approve dialog opens from the keyboard, in the comment, and Escape closes it.
      await page.getByRole('button', { name: 'Approve ledger sync' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Approve “ledger sync”?' });
      await dialog.waitFor();
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
      found.push(...(await layoutProblems(page, `approve dialog (${scheme})`)));
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      await page.context().close();
    }
    const requester = await asPerson(cleo);
    await openRequests(requester);
    found.push(...(await layoutProblems(requester, 'own requests')));
    await requester.context().close();
    expect(found).toEqual([]);
  });
});
