import { AxeBuilder } from '@axe-core/playwright';
import {
  ACCESS_REVIEWS_PATH,
  RIGHTS,
  SCIM_BASE,
  SCIM_MEDIA_TYPE,
  SCIM_SCHEMAS,
  TRUST_POLICIES_PATH,
} from '@patina/contract';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, newContext, PHONE, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';
import { ROOT } from './server.js';

/**
 * Every page of the console, in light and dark: an axe-core scan with no serious or critical
 * violation (WCAG 2.1 A and AA rules). With PATINA_SCREENSHOTS=1 (npm run screenshots) each page
 * is also photographed at desktop and phone width into docs/console/.
 */
const SHOTS = process.env.PATINA_SCREENSHOTS ? join(ROOT, 'docs/console') : undefined;
const DAY_MS = 86_400_000;

const env = patinaAndBrowser({
  webhooks: { allowHttp: true, allowPrivateNetworks: true },
  scopes: [
    { name: 'orders:read', description: 'Read the orders of your team' },
    { name: 'orders:write', description: 'Place and cancel orders' },
    { name: 'payments:write', description: 'Move money between accounts' },
  ],
  approval: { rules: [{ scopes: ['payments:write'], approvers: { roles: ['ORG_ADMIN'] } }] },
  // Each step signs in afresh: more than the default 30 sign-ins in 5 minutes from one address.
  console: { signInRateLimit: { max: 200 } },
});

beforeAll(async () => {
  // Tokens a person would have after a while: used, unused, soon to expire.
  const create = <T = unknown>(body: Record<string, unknown>) =>
    env.patina.api<T>('POST', '/patina/v1/personal-access-tokens', body);
  const ci = await create<{ id: string; secret: string }>({
    name: 'CI pipeline',
    description: 'Deploys the storefront from GitHub Actions',
    scope: ['orders:read', 'orders:write'],
    expirationDate: new Date(Date.now() + 80 * DAY_MS).toISOString(),
  });
  await create({
    name: 'analytics export',
    description: 'Nightly export to the warehouse',
    scope: ['orders:read'],
    expirationDate: new Date(Date.now() + 5 * DAY_MS).toISOString(),
  });
  const people = [
    { name: 'Grace Hopper', login: 'grace' },
    { name: 'Linus Torvalds', login: 'linus' },
  ];
  for (const person of people) {
    const identity = await env.patina.api<{ id: string }>('POST', '/patina/v1/identities', {
      ...person,
      roles: ['USER'],
    });
    await env.patina.api('POST', `/patina/v1/identities/${identity.id}/personal-access-tokens`, {
      name: `${person.login}'s laptop`,
      scope: ['sp:my-personal-access-tokens:read'],
      expirationDate: new Date(Date.now() + 20 * DAY_MS).toISOString(),
    });
  }
  await env.patina.api('POST', '/patina/v1/webhooks', {
    url: 'http://127.0.0.1:9/security-team/patina',
    description: 'Security team: revocations and leaks',
    events: ['personal_access_token.revoked', 'personal_access_token.secret_reused'],
  });
  await openStreams();
  // A workload that deploys the storefront from GitHub Actions, with DPoP-bound tokens only.
  const deployBot = await env.patina.api<{ id: string }>('POST', '/patina/v1/identities', {
    name: 'Deploy bot',
    login: 'deploy-bot',
    roles: ['USER'],
  });
  await env.patina.api('POST', TRUST_POLICIES_PATH, {
    name: 'Deploy storefront',
    template: 'github-actions',
    templateParameters: {
      repository: 'acme/storefront',
      ref: 'refs/heads/main',
      environment: 'production',
    },
    identityId: deployBot.id,
    scope: ['orders:read', 'orders:write'],
    requireDpop: true,
  });
  // A mistyped secret: the overview's chart of exchanges shows a failure beside the successes.
  await env.patina.exchangeStatus(env.patina.bootstrap().clientId, `patina_${'x'.repeat(57)}`);
  // The CI pipeline's usage: two exchanges and a refused one today.
  await env.patina.exchangeStatus(ci.id, ci.secret);
  await env.patina.exchangeStatus(ci.id, ci.secret);
  await env.patina.exchangeStatus(ci.id, `patina_${'x'.repeat(57)}`);
  await governance();
  await directory();
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

/** Okta provisions a person over SCIM: a Directory badge on Identities, events on its tab. */
async function directory(): Promise<void> {
  const token = await env.patina.api<{ secret: string }>(
    'POST',
    '/patina/v1/personal-access-tokens',
    { name: 'okta', scope: [RIGHTS.scimProvision] },
  );
  const response = await fetch(`${env.patina.baseUrl}${SCIM_BASE}/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.secret}`, 'content-type': SCIM_MEDIA_TYPE },
    body: JSON.stringify({
      schemas: [SCIM_SCHEMAS.user],
      userName: 'margaret@example.com',
      name: { givenName: 'Margaret', familyName: 'Hamilton' },
      emails: [{ value: 'margaret@example.com', primary: true }],
      active: true,
    }),
  });
  if (response.status !== 201) throw new Error(`SCIM: ${response.status} ${await response.text()}`);
}

/** Shared Signals streams of one receiver, opened through SSF itself: push (paused) and poll. */
async function openStreams(): Promise<void> {
  const receiver = await env.patina.identityWithToken({
    name: 'Risk Engine',
    login: 'risk-engine',
    rights: ['ssf.manage'],
    patName: 'shared signals',
  });
  const ssf = async (path: string, body: unknown) => {
    const response = await fetch(`${env.patina.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${receiver.accessToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { stream_id: string };
  };
  const pushed = await ssf('/ssf/streams', {
    delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'http://127.0.0.1:9/risk/events' },
    description: 'Ends sessions when a PAT is revoked',
  });
  await ssf('/ssf/streams/status', {
    stream_id: pushed.stream_id,
    status: 'paused',
    reason: 'Receiver maintenance until Monday',
  });
  await ssf('/ssf/streams', { delivery: { method: 'urn:ietf:rfc:8936' } });
}

/**
 * What an approver and a reviewer find: a request for payments:write from Ada, and a campaign
 * over the people's tokens that the administrator reviews, one item already certified.
 */
async function governance(): Promise<void> {
  const ada = await env.patina.api<{ id: string }>('POST', '/patina/v1/identities', {
    name: 'Ada Lovelace',
    login: 'ada',
    roles: ['USER'],
    rights: ['payments:write'],
  });
  const login = await env.patina.api<{ id: string; secret: string }>(
    'POST',
    `/patina/v1/identities/${ada.id}/personal-access-tokens`,
    { name: 'ada console', scope: [RIGHTS.myRead, RIGHTS.myManage] },
  );
  const token = await env.patina.accessToken(login.id, login.secret);
  const response = await fetch(`${env.patina.baseUrl}/patina/v1/personal-access-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'supplier payouts',
      scope: ['payments:write'],
      justification: 'Nightly payouts to suppliers, replacing the cron job on billing-01',
      ticketUrl: 'https://tickets.example.com/FIN-42',
    }),
  });
  if (response.status !== 202) throw new Error(`request: ${response.status}`);
  const admin = (
    await env.patina.api<{ id: string; name: string }[]>('GET', '/patina/v1/identities?limit=250')
  ).find((identity) => identity.name === 'Administrator');
  const review = await env.patina.api<{ id: string }>('POST', ACCESS_REVIEWS_PATH, {
    name: 'Quarterly token review',
    selection: { ownerRoles: ['USER'] },
    reviewers: [admin?.id],
    deadline: new Date(Date.now() + 14 * DAY_MS).toISOString(),
  });
  const items = await env.patina.api<{ id: string; pat: { name: string } }[]>(
    'GET',
    `${ACCESS_REVIEWS_PATH}/${review.id}/items`,
  );
  const first = items.find((item) => item.pat.name === 'ada console');
  if (first) {
    await env.patina.api('POST', `${ACCESS_REVIEWS_PATH}/${review.id}/items/${first.id}/decision`, {
      decision: 'certify',
      comment: 'Ada signs in to the console with it',
    });
  }
}

/** A secret is a secret, even a throwaway one: never in a committed picture. */
async function redactSecret(page: Page): Promise<void> {
  await page.evaluate(() => {
    const input = document.querySelector<HTMLInputElement>('#new-secret');
    if (!input) return;
    const secret = input.value;
    const shown = `patina_${'•'.repeat(24)}`;
    input.value = shown;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.textContent?.includes(secret)) {
        node.textContent = node.textContent.replaceAll(secret, shown);
      }
    }
  });
}

async function deleteByName(name: string): Promise<void> {
  const pats = await env.patina.api<{ id: string; name: string }[]>(
    'GET',
    '/patina/v1/personal-access-tokens?limit=250',
  );
  for (const pat of pats.filter((p) => p.name === name)) {
    await env.patina.api('DELETE', `/patina/v1/personal-access-tokens/${pat.id}`);
  }
}

/** Opens a tab of the Approvals page (Requests, Reviews, Campaigns). */
async function approvalsTab(page: Page, tab: string): Promise<void> {
  await page.getByRole('link', { name: 'Approvals' }).click();
  await page
    .getByRole('navigation', { name: 'Approvals' })
    .getByRole('link', { name: tab })
    .click();
}

interface Step {
  name: string;
  /** From a signed-in console on My tokens, or from the sign-in page when `signedOut`. */
  go: (page: Page) => Promise<void>;
  signedOut?: boolean;
  /** A dialog is open: the picture is of the viewport. */
  dialog?: boolean;
}

const STEPS: Step[] = [
  {
    name: 'sign-in',
    signedOut: true,
    go: async (page) => {
      await page.goto(`${env.patina.baseUrl}/ui/`);
      await page.getByRole('heading', { name: 'Sign in to Patina' }).waitFor();
    },
  },
  {
    name: 'my-tokens',
    go: async (page) => void (await page.locator('tbody tr').first().waitFor()),
  },
  {
    name: 'new-token',
    dialog: true,
    go: async (page) => {
      await page.getByRole('button', { name: 'New token' }).click();
      await page.getByRole('dialog', { name: 'New token' }).waitFor();
    },
  },
  {
    name: 'secret-once',
    dialog: true,
    go: async (page) => {
      await page.getByRole('button', { name: 'New token' }).click();
      const form = page.getByRole('dialog', { name: 'New token' });
      await form.getByLabel('Name').fill('release bot');
      await form.getByRole('checkbox', { name: /orders:read/ }).check();
      await form.getByRole('button', { name: 'Create token' }).click();
      await page.getByRole('dialog', { name: 'Token created' }).getByText('Use it').click();
    },
  },
  {
    name: 'delete-confirmation',
    dialog: true,
    go: async (page) => {
      await page.getByRole('button', { name: 'Delete analytics export' }).click();
      await page.getByRole('dialog', { name: 'Delete analytics export?' }).waitFor();
    },
  },
  {
    name: 'overview',
    go: async (page) => {
      await page.getByRole('link', { name: 'Overview' }).click();
      await page.locator('.recharts-bar-rectangle').first().waitFor();
      // One table of numbers open, so the scan and the picture include one.
      await page
        .getByRole('region', { name: 'Tokens by last use' })
        .getByText('Show the numbers')
        .click();
      await page.mouse.move(0, 0); // no tooltip in the picture
    },
  },
  {
    name: 'all-tokens',
    go: async (page) => {
      await page.getByRole('link', { name: 'All tokens' }).click();
      await page.locator('tbody tr').first().waitFor();
      await page.getByRole('checkbox', { name: 'Never used' }).check();
    },
  },
  {
    name: 'identities',
    go: async (page) => {
      await page.getByRole('link', { name: 'Identities' }).click();
      await page.locator('tbody tr').first().waitFor();
    },
  },
  {
    name: 'directory',
    go: async (page) => {
      await page.getByRole('link', { name: 'Identities' }).click();
      await page.getByRole('link', { name: 'Directory (SCIM)' }).click();
      await page.getByRole('table', { name: 'Provisioning events' }).locator('tbody tr').waitFor();
    },
  },
  {
    name: 'audit-log',
    go: async (page) => {
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.locator('tbody tr').first().waitFor();
    },
  },
  {
    name: 'webhooks',
    go: async (page) => {
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.locator('tbody tr').first().waitFor();
    },
  },
  {
    name: 'streams',
    go: async (page) => {
      await page.getByRole('link', { name: 'Streams' }).click();
      await page.locator('tbody tr').first().waitFor();
    },
  },
  {
    name: 'stream-delete-confirmation',
    dialog: true,
    go: async (page) => {
      await page.getByRole('link', { name: 'Streams' }).click();
      await page
        .getByRole('button', { name: /^Delete stream / })
        .first()
        .click();
      await page.getByRole('dialog', { name: 'Delete this stream?' }).waitFor();
    },
  },
  {
    name: 'trust-policies',
    go: async (page) => {
      await page.getByRole('link', { name: 'Trust policies' }).click();
      await page.locator('tbody tr').first().waitFor();
    },
  },
  {
    name: 'trust-policy',
    go: async (page) => {
      await page.getByRole('link', { name: 'Trust policies' }).click();
      await page.getByRole('link', { name: 'Deploy storefront', exact: true }).click();
      await page.getByRole('heading', { name: 'Deploy storefront', level: 1 }).waitFor();
    },
  },
  {
    name: 'token-usage',
    go: async (page) => {
      await page.getByRole('link', { name: 'CI pipeline' }).click();
      await page.getByRole('region', { name: 'Usage, last 30 days' }).locator('svg').waitFor();
    },
  },
  {
    name: 'approval-required',
    dialog: true,
    go: async (page) => {
      await page.getByRole('button', { name: 'New token' }).click();
      const form = page.getByRole('dialog', { name: 'New token' });
      await form.getByLabel('Name', { exact: true }).fill('refunds bot');
      await form.getByRole('checkbox', { name: /payments:write/ }).check();
      await form.getByLabel(/^Justification/).fill('Refunds for the spring sale');
      await form.getByRole('button', { name: 'Create token' }).click();
      await page.getByRole('dialog', { name: 'Approval required' }).waitFor();
    },
  },
  {
    name: 'requests',
    go: async (page) => {
      await page.getByRole('link', { name: 'Approvals' }).click();
      await page.getByRole('button', { name: 'Approve supplier payouts' }).waitFor();
    },
  },
  {
    name: 'request-deny',
    dialog: true,
    go: async (page) => {
      await page.getByRole('link', { name: 'Approvals' }).click();
      await page.getByRole('button', { name: 'Deny supplier payouts' }).click();
      await page.getByRole('dialog', { name: 'Deny “supplier payouts”?' }).waitFor();
    },
  },
  {
    name: 'reviews',
    go: async (page) => {
      await approvalsTab(page, 'Reviews');
      await page.getByRole('checkbox', { name: "Select grace's laptop" }).check();
      await page.getByRole('checkbox', { name: "Select linus's laptop" }).check();
    },
  },
  {
    name: 'review-bulk-revoke',
    dialog: true,
    go: async (page) => {
      await approvalsTab(page, 'Reviews');
      await page.getByRole('checkbox', { name: "Select grace's laptop" }).check();
      await page.getByRole('checkbox', { name: "Select linus's laptop" }).check();
      await page.getByRole('button', { name: 'Revoke selected' }).click();
      await page.getByRole('dialog', { name: 'Revoke 2 tokens?' }).waitFor();
    },
  },
  {
    name: 'campaigns',
    go: async (page) => {
      await approvalsTab(page, 'Campaigns');
      await page.locator('tbody tr').first().waitFor();
    },
  },
  {
    name: 'campaign-new',
    dialog: true,
    go: async (page) => {
      await approvalsTab(page, 'Campaigns');
      await page.getByRole('button', { name: 'New campaign' }).click();
      await page.getByRole('dialog', { name: 'New campaign' }).waitFor();
    },
  },
  {
    name: 'signing-keys',
    go: async (page) => {
      await page.getByRole('link', { name: 'Signing keys' }).click();
      await page.locator('tbody tr').first().waitFor();
    },
  },
];

describe('the navigation', () => {
  it('shows an administrator every page on one row at desktop width', async () => {
    const page = await (await newContext(env.browser)).newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
    expect(await links.count()).toBe(10);
    const rows = await links.evaluateAll((all) => all.map((a) => a.getBoundingClientRect().top));
    expect(new Set(rows).size).toBe(1);
    await page.context().close();
  });
});

describe('every page', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical accessibility violation and fits 360 px (${scheme})`, async () => {
      const found: string[] = [];
      for (const step of STEPS) {
        const context = await newContext(env.browser, { colorScheme: scheme });
        const page = await context.newPage();
        if (!step.signedOut) await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
        await step.go(page);
        const results = await new AxeBuilder({ page })
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
          .analyze();
        for (const v of results.violations) {
          if (v.impact === 'serious' || v.impact === 'critical') {
            found.push(
              `${step.name}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
            );
          }
        }
        // Readable at phone width: nothing wider than the screen.
        await page.setViewportSize(PHONE);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width > PHONE.width) found.push(`${step.name}: ${width} px wide at ${PHONE.width} px`);
        await page.setViewportSize(DESKTOP);
        if (SHOTS) {
          await redactSecret(page);
          for (const [size, viewport] of [
            ['desktop', DESKTOP],
            ['phone', PHONE],
          ] as const) {
            await page.setViewportSize(viewport);
            await page.screenshot({
              path: join(SHOTS, `${step.name}-${scheme}-${size}.png`),
              fullPage: !step.dialog,
            });
          }
        }
        await context.close();
        if (step.name === 'secret-once') await deleteByName('release bot');
      }
      expect(found).toEqual([]);
    });
  }
});
