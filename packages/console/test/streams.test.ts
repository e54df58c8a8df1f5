import { describe, expect, it } from 'vitest';
import { newContext, signInWithPat } from './browser.js';
import { patinaAndBrowser } from './harness.js';

const PUSH = 'urn:ietf:rfc:8935';
const POLL = 'urn:ietf:rfc:8936';

// A push stream to loopback over plain http, which the SSRF guard refuses unless told otherwise.
const env = patinaAndBrowser({ webhooks: { allowHttp: true, allowPrivateNetworks: true } });

interface Person {
  identity: { id: string; name: string };
  pat: { id: string; secret: string };
}

/** An identity with these rights and a PAT of it (all its rights). */
async function person(name: string, login: string, rights: string[]): Promise<Person> {
  const identity = await env.patina.api<{ id: string; name: string }>(
    'POST',
    '/patina/v1/identities',
    {
      name,
      login,
      roles: ['USER'],
      rights,
    },
  );
  const pat = await env.patina.api<{ id: string; secret: string }>(
    'POST',
    `/patina/v1/identities/${identity.id}/personal-access-tokens`,
    { name: 'login' },
  );
  return { identity, pat };
}

/** A receiver opens a stream through SSF itself, with an access token of its PAT. */
async function openStream(receiver: Person, body: Record<string, unknown>): Promise<string> {
  const token = await fetch(`${env.patina.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: receiver.pat.id,
      client_secret: receiver.pat.secret,
    }),
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  const response = await fetch(`${env.patina.baseUrl}/ssf/streams`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token.access_token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { stream_id: string }).stream_id;
}

const streamIds = async () =>
  (await env.patina.api<{ id: string }[]>('GET', '/patina/v1/ssf-streams')).map((s) => s.id);

describe('Shared Signals streams, in a real browser', () => {
  it('lists every receiver’s streams and deletes one behind a dialog that says what breaks', async () => {
    const orders = await person('Orders Service', 'orders', ['ssf.manage']);
    const pushed = await openStream(orders, {
      delivery: { method: PUSH, endpoint_url: 'http://127.0.0.1:9/events' },
      description: 'orders risk engine',
    });
    const polled = await openStream(orders, { delivery: { method: POLL } });

    const page = await (await newContext(env.browser)).newPage();
    await signInWithPat(page, env.patina.baseUrl, env.patina.bootstrap());
    await page.getByRole('link', { name: 'Streams' }).click();
    await page.getByRole('heading', { name: 'Streams' }).waitFor();
    const table = page.getByRole('table', { name: 'Shared Signals streams' });
    const rows = table.getByRole('row').filter({ hasText: orders.pat.id });
    await expect.poll(() => rows.count()).toBe(2);
    const pushRow = rows.filter({ hasText: 'http://127.0.0.1:9/events' });
    expect(
      await pushRow
        .locator('td')
        .evaluateAll((cells) =>
          cells.map((cell) => (cell as HTMLElement).innerText.replace(/\s+/g, ' ').trim()),
        ),
    ).toEqual([
      `${orders.pat.id} orders risk engine`,
      'Orders Service',
      'Push',
      'http://127.0.0.1:9/events',
      'Enabled',
      'Active',
      'just now',
      'Delete',
    ]);
    const pollRow = rows.filter({ hasText: 'Poll' });
    expect(await pollRow.getByRole('cell').nth(3).innerText()).toBe('—');

    // Cancel first: nothing is deleted.
    await page.getByRole('button', { name: `Delete stream ${pushed}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this stream?' });
    expect((await dialog.locator('p').first().innerText()).replace(/\s+/g, ' ')).toBe(
      `The receiver of client ${orders.pat.id} at http://127.0.0.1:9/events stops getting security events at once, and events not yet delivered to it are dropped. It must register a new stream to hear of PAT changes again.`,
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await streamIds()).toEqual(expect.arrayContaining([pushed, polled]));

    await page.getByRole('button', { name: `Delete stream ${pushed}` }).click();
    await dialog.getByRole('button', { name: 'Delete stream' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.getByText('http://127.0.0.1:9/events').count()).toBe(0);
    const left = await streamIds();
    expect(left).toContain(polled);
    expect(left).not.toContain(pushed);
  });

  it('shows the page to readers without a Delete, and not at all to other users', async () => {
    const receiver = await person('Billing Service', 'billing', ['ssf.manage']);
    const stream = await openStream(receiver, { delivery: { method: POLL } });

    const reader = await person('Audrey Auditor', 'audrey', ['sp:all-personal-access-tokens:read']);
    const page = await (await newContext(env.browser)).newPage();
    await signInWithPat(page, env.patina.baseUrl, {
      clientId: reader.pat.id,
      clientSecret: reader.pat.secret,
    });
    await page.getByRole('link', { name: 'Streams' }).click();
    const row = page.getByRole('row').filter({ hasText: receiver.pat.id });
    await expect.poll(() => row.getByText('Billing Service').count()).toBe(1);
    expect(await page.getByRole('button', { name: `Delete stream ${stream}` }).count()).toBe(0);

    // The receiver itself is no administrator: no link, and the address leads to its tokens.
    const own = await (await newContext(env.browser)).newPage();
    await signInWithPat(own, env.patina.baseUrl, {
      clientId: receiver.pat.id,
      clientSecret: receiver.pat.secret,
    });
    expect(await own.getByRole('link', { name: 'Streams' }).count()).toBe(0);
    await own.goto(`${env.patina.baseUrl}/ui/admin/streams`);
    await own.getByRole('heading', { name: 'My tokens' }).waitFor();
    expect(await own.getByRole('heading', { name: 'Streams' }).count()).toBe(0);
    expect(await streamIds()).toContain(stream);
  });
});
