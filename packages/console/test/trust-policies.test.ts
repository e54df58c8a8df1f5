import {
  GITHUB_ACTIONS_ISSUER,
  TRUST_POLICIES_PATH,
  type CreateTrustPolicyRequest,
  type TrustPolicy,
  type TrustPolicyMergePatch,
} from '@patina/contract';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { layoutProblems } from './axe.js';
import { newContext, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

const env = patinaAndBrowser({
  scopes: [
    { name: 'deploy:write', description: 'Ship a release' },
    { name: 'orders:read', description: 'Read the orders of your team' },
  ],
});

/** The service identity the workloads act as, made by the administrator. */
let deployBot: { id: string; name: string; login: string };

beforeAll(async () => {
  deployBot = await env.patina.api('POST', '/patina/v1/identities', {
    name: 'Deploy bot',
    login: 'deploy-bot',
    roles: ['USER'],
  });
});

async function trustPoliciesPage(colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await (await newContext(env.browser, { colorScheme })).newPage();
  await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
  await page.getByRole('link', { name: 'Trust policies' }).click();
  await page.getByRole('heading', { name: 'Trust policies', level: 1 }).waitFor();
  return page;
}

const rowOf = (page: Page, name: string) =>
  page
    .getByRole('table', { name: 'Trust policies' })
    .locator('tbody tr')
    .filter({ has: page.getByRole('link', { name, exact: true }) });

function policies(): Promise<TrustPolicy[]> {
  return env.patina.api<TrustPolicy[]>('GET', TRUST_POLICIES_PATH);
}

function createPolicy(
  name: string,
  more: Partial<CreateTrustPolicyRequest> = {},
): Promise<TrustPolicy> {
  return env.patina.api<TrustPolicy>('POST', TRUST_POLICIES_PATH, {
    name,
    template: 'github-actions',
    templateParameters: { repository: 'acme/storefront' },
    identityId: deployBot.id,
    scope: ['deploy:write'],
    ...more,
  });
}

describe('trust policies', () => {
  it('creates a GitHub Actions policy from its template, lists it, disables and deletes it', async () => {
    const page = await trustPoliciesPage();
    await page.getByRole('button', { name: 'New trust policy' }).click();
    const dialog = page.getByRole('dialog', { name: 'New trust policy' });
    await dialog.getByLabel('Name', { exact: true }).fill('Deploy storefront');
    // The template's own parameters only: no issuer, key set or conditions to fill in.
    expect(await dialog.getByRole('radio', { name: 'GitHub Actions' }).isChecked()).toBe(true);
    expect(await dialog.getByLabel('Issuer', { exact: true }).count()).toBe(0);
    expect(await dialog.getByRole('group', { name: 'Conditions' }).count()).toBe(0);
    await dialog.getByLabel('Repository').fill('acme/storefront');
    await dialog.getByLabel('Ref').fill('refs/heads/main');
    await dialog.getByLabel('Acts as').selectOption({ label: 'Deploy bot (deploy-bot)' });
    await dialog.getByRole('checkbox', { name: 'deploy:write' }).check();
    await dialog.getByLabel('Access-token lifetime').selectOption({ label: '1 hour' });
    const dpop = dialog.getByRole('checkbox', { name: 'Require DPoP (bound tokens only)' });
    expect(await dpop.isChecked()).toBe(false);
    await dpop.check();
    await dialog.getByRole('button', { name: 'Create trust policy' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const row = rowOf(page, 'Deploy storefront');
    await row.waitFor();
    expect(await row.locator('td[data-label="Issuer"]').innerText()).toBe(GITHUB_ACTIONS_ISSUER);
    expect(await row.locator('td[data-label="Acts as"]').innerText()).toBe('Deploy bot');
    expect(await row.locator('td[data-label="Scopes"]').innerText()).toBe('deploy:write');
    expect(await row.locator('td[data-label="Status"]').innerText()).toBe('Enabled');
    expect(await row.locator('td[data-label="Last used"]').innerText()).toBe('Never');
    const created = (await policies()).find((p) => p.name === 'Deploy storefront');
    expect(created).toMatchObject({
      template: 'github-actions',
      issuer: GITHUB_ACTIONS_ISSUER,
      identityId: deployBot.id,
      scope: ['deploy:write'],
      maxTokenLifetimeSeconds: 3600,
      requireDpop: true,
      enabled: true,
      conditions: expect.objectContaining({ repository: 'acme/storefront' }) as unknown,
    });

    // The detail view shows every field, the conditions the template pinned among them.
    await row.getByRole('link', { name: 'Deploy storefront' }).click();
    await page.getByRole('heading', { name: 'Deploy storefront', level: 1 }).waitFor();
    const facts = await page.locator('dl.facts').innerText();
    for (const text of [
      created?.id ?? '',
      GITHUB_ACTIONS_ISSUER,
      'acme/storefront',
      'GitHub Actions',
      'At most 1 hour',
      'Required — bound tokens only',
    ]) {
      expect(facts).toContain(text);
    }

    // Disabling asks first, and says what stops.
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    const disable = page.getByRole('dialog', { name: 'Disable this trust policy?' });
    expect(await disable.innerText()).toContain('refused everywhere at once');
    await disable.getByRole('button', { name: 'Disable trust policy' }).click();
    await disable.waitFor({ state: 'hidden' });
    await page.locator('dl.facts').getByText('Disabled', { exact: true }).waitFor();
    expect((await policies()).find((p) => p.id === created?.id)?.enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable', exact: true }).waitFor();

    // Delete, behind its dialog, goes back to the list without it.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const remove = page.getByRole('dialog', { name: 'Delete this trust policy?' });
    await remove.getByRole('button', { name: 'Delete trust policy' }).click();
    await page.getByRole('heading', { name: 'Trust policies', level: 1 }).waitFor();
    await page.getByText('Deleted “Deploy storefront”.').waitFor();
    expect(await rowOf(page, 'Deploy storefront').count()).toBe(0);
    expect((await policies()).some((p) => p.id === created?.id)).toBe(false);
    await page.context().close();
  });

  it('checks a custom policy before sending it, and shows the API refusal under its conditions', async () => {
    const page = await trustPoliciesPage();
    await page.getByRole('button', { name: 'New trust policy' }).click();
    const dialog = page.getByRole('dialog', { name: 'New trust policy' });
    await dialog.getByLabel('Name', { exact: true }).fill('Anything on main');
    await dialog.getByText('Custom', { exact: true }).click();
    // The custom issuer's fields, and none of a template's.
    expect(await dialog.getByLabel('Repository').count()).toBe(0);
    await dialog
      .getByLabel('Issuer', { exact: true })
      .fill('https://token.actions.githubusercontent.com');
    await dialog.getByLabel('Acts as').selectOption({ label: 'Deploy bot (deploy-bot)' });
    const conditions = dialog.getByRole('group', { name: 'Conditions' });
    const create = dialog.getByRole('button', { name: 'Create trust policy' });

    // What the form can tell before asking: no scope, no condition at all.
    await conditions.getByRole('button', { name: 'Remove condition 1' }).click();
    await create.click();
    await dialog.getByRole('alert').getByText('Choose at least one scope.').waitFor();
    await dialog.getByRole('checkbox', { name: 'orders:read' }).check();
    await create.click();
    await conditions
      .getByRole('alert')
      .getByText('Add a condition that pins the workload.')
      .waitFor();

    // What only the API can tell: a condition that pins no workload, refused under the conditions.
    await conditions.getByRole('button', { name: 'Add condition' }).click();
    expect(await conditions.getByRole('alert').count()).toBe(0);
    await conditions.getByLabel('Claim 1').fill('ref');
    await conditions.getByLabel('Value 1').fill('refs/heads/main');
    await create.click();

    const refusal = conditions.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/conditions/i);
    expect(await dialog.getByLabel('Claim 1').inputValue()).toBe('ref');
    expect((await policies()).some((p) => p.name === 'Anything on main')).toBe(false);

    // Pinning the repository is what it asked for: the same form then creates it.
    await conditions.getByRole('button', { name: 'Add condition' }).click();
    await conditions.getByLabel('Claim 2').fill('repository');
    await conditions.getByLabel('Value 2').fill('acme/*');
    expect(await conditions.getByRole('alert').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Create trust policy' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await rowOf(page, 'Anything on main').waitFor();
    expect((await policies()).find((p) => p.name === 'Anything on main')).toMatchObject({
      template: null,
      conditions: { ref: 'refs/heads/main', repository: 'acme/*' },
      maxTokenLifetimeSeconds: 900,
    });
    await page.context().close();
  });

  it('edits the name, conditions, scopes, lifetime and DPoP as one merge patch', async () => {
    const policy = await createPolicy('Storefront CI', { requireDpop: true });
    const page = await trustPoliciesPage();
    await rowOf(page, 'Storefront CI').getByRole('link').click();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Storefront CI' });
    expect(await dialog.getByLabel('Name', { exact: true }).inputValue()).toBe('Storefront CI');
    await dialog.getByLabel('Name', { exact: true }).fill('Storefront releases');
    const conditions = dialog.getByRole('group', { name: 'Conditions' });
    const rows = await conditions.getByRole('group').count();
    await conditions.getByRole('button', { name: 'Add condition' }).click();
    await conditions.getByLabel(`Claim ${rows + 1}`).fill('environment');
    await conditions.getByLabel(`Value ${rows + 1}`).fill('production');
    // A second row of the same claim is an alternative.
    await conditions.getByRole('button', { name: 'Add condition' }).click();
    await conditions.getByLabel(`Claim ${rows + 2}`).fill('environment');
    await conditions.getByLabel(`Value ${rows + 2}`).fill('staging');
    await dialog.getByRole('checkbox', { name: 'orders:read' }).check();
    await dialog.getByLabel('Access-token lifetime').selectOption({ label: '5 minutes' });
    const dpop = dialog.getByRole('checkbox', { name: 'Require DPoP (bound tokens only)' });
    expect(await dpop.isChecked()).toBe(true);
    await dpop.uncheck();
    const sent = page.waitForRequest(
      (request) => request.method() === 'PATCH' && request.url().endsWith(policy.id),
    );
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    // Only what changed, the DPoP binding turned off among it.
    expect((await sent).postDataJSON() as TrustPolicyMergePatch).toEqual({
      name: 'Storefront releases',
      conditions: { ...policy.conditions, environment: ['production', 'staging'] },
      scope: ['deploy:write', 'orders:read'],
      maxTokenLifetimeSeconds: 300,
      requireDpop: false,
    });
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('heading', { name: 'Storefront releases', level: 1 }).waitFor();

    const saved = await env.patina.api<TrustPolicy>('GET', `${TRUST_POLICIES_PATH}/${policy.id}`);
    expect(saved).toMatchObject({
      name: 'Storefront releases',
      scope: ['deploy:write', 'orders:read'],
      maxTokenLifetimeSeconds: 300,
      conditions: { ...policy.conditions, environment: ['production', 'staging'] },
      requireDpop: false,
    });
    const facts = await page.locator('dl.facts').innerText();
    expect(facts).toContain('production or staging');
    expect(facts).toMatch(/DPoP\s+Optional/);
    await page.context().close();
  });

  it('is readable at phone width and has no serious accessibility violation', async () => {
    await createPolicy('Nightly export');
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const page = await trustPoliciesPage(scheme);
      await rowOf(page, 'Nightly export').waitFor();
      found.push(...(await layoutProblems(page, `list (${scheme})`)));
      await page.getByRole('button', { name: 'New trust policy' }).click();
      const dialog = page.getByRole('dialog', { name: 'New trust policy' });
      found.push(...(await layoutProblems(page, `new, GitHub Actions (${scheme})`)));
      await dialog.getByText('Custom', { exact: true }).click();
      found.push(...(await layoutProblems(page, `new, custom (${scheme})`)));
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await rowOf(page, 'Nightly export').getByRole('link').click();
      await page.getByRole('heading', { name: 'Nightly export', level: 1 }).waitFor();
      found.push(...(await layoutProblems(page, `detail (${scheme})`)));
      await page.context().close();
    }
    expect(found).toEqual([]);
  });

  it('shows readers the policies without a change, and other users not at all', async () => {
    const policy = await createPolicy('Read-only view');
    const person = async (login: string, rights: string[]) => {
      const identity = await env.patina.api<{ id: string }>('POST', '/patina/v1/identities', {
        name: login,
        login,
        roles: ['USER'],
        rights,
      });
      const pat = await env.patina.api<{ id: string; secret: string }>(
        'POST',
        `/patina/v1/identities/${identity.id}/personal-access-tokens`,
        { name: 'login' },
      );
      const page = await (await newContext(env.browser)).newPage();
      await signInWithPat(page, env.patina.baseUrl, { clientId: pat.id, clientSecret: pat.secret });
      return page;
    };

    const reader = await person('audrey', ['sp:all-personal-access-tokens:read']);
    await reader.getByRole('link', { name: 'Trust policies' }).click();
    await rowOf(reader, 'Read-only view').getByRole('link').click();
    await reader.getByRole('heading', { name: 'Read-only view', level: 1 }).waitFor();
    expect(await reader.locator('dl.facts').innerText()).toContain(policy.id);
    for (const action of ['Edit', 'Disable', 'Delete']) {
      expect(await reader.getByRole('button', { name: action, exact: true }).count()).toBe(0);
    }
    expect(await reader.getByRole('button', { name: 'New trust policy' }).count()).toBe(0);
    await reader.context().close();

    // No administrator: no link, and the address leads to their own tokens.
    const user = await person('ursula', []);
    expect(await user.getByRole('link', { name: 'Trust policies' }).count()).toBe(0);
    await user.goto(`${env.patina.baseUrl}/ui/admin/trust-policies/${policy.id}`);
    await user.getByRole('heading', { name: 'My tokens' }).waitFor();
    await user.context().close();
  });
});
