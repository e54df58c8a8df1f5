import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, newContext, signInWithPat } from './browser.js';
import { freePort, PatinaProcess } from './server.js';

let patina: PatinaProcess;
let browser: Browser;
let attacker: Server;
let attackerUrl: string;

/**
 * A page of another origin on the same site (127.0.0.1, another port): the browser sends
 * SameSite=Lax cookies with its requests to the console, so only the console's own CSRF checks
 * stand in the way. It tries the classic JSON-in-a-text/plain-form and a no-cors fetch.
 */
function attackerPage(target: string): string {
  const action = `${target}/ui/api/patina/v1/personal-access-tokens`;
  return `<!doctype html><title>Win a prize</title>
<form id="f" method="POST" action="${action}" enctype="text/plain">
<input type="hidden" name='{"name":"planted","scope":["sp:scopes:all"],"pad":"' value='"}'>
<button type="submit">Claim</button></form>
<script>
window.tryFetch = () => fetch(${JSON.stringify(action)}, { method: 'POST', mode: 'no-cors',
  credentials: 'include', headers: { 'content-type': 'text/plain' },
  body: JSON.stringify({ name: 'planted by fetch', scope: ['sp:scopes:all'] }) }).then(() => 'sent', () => 'failed');
</script>`;
}

beforeAll(async () => {
  patina = await PatinaProcess.start();
  browser = await launch();
  const port = await freePort();
  attacker = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(attackerPage(patina.baseUrl));
  });
  await new Promise<void>((resolve) => attacker.listen(port, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${port}/`;
});
afterAll(async () => {
  await browser?.close();
  await patina?.stop();
  await new Promise((resolve) => attacker?.close(resolve));
});

describe('cross-site request forgery against a signed-in console', () => {
  it('is refused: a form post and a fetch from another origin create nothing', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInWithPat(page, patina.baseUrl, patina.bootstrap());

    await page.goto(attackerUrl);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/ui/api/')),
      page.getByRole('button', { name: 'Claim' }).click(),
    ]);
    expect(response.status()).toBe(403);
    expect(await response.json()).toEqual({
      error: 'CROSS_SITE',
      message: 'Cross-site requests to the console are refused',
    });
    await page.goto(attackerUrl);
    const fetched = page.waitForResponse((r) => r.url().includes('/ui/api/'));
    expect(
      await page.evaluate(() => (window as unknown as { tryFetch(): Promise<string> }).tryFetch()),
    ).toBe('sent');
    expect((await fetched).status()).toBe(403);

    const pats = await patina.api<{ name: string }[]>(
      'GET',
      '/patina/v1/personal-access-tokens?limit=250',
    );
    expect(pats.map((p) => p.name)).toEqual(['bootstrap']);

    // The console's own page, with the same cookie, still works.
    await page.goto(`${patina.baseUrl}/ui/tokens`);
    await page.getByRole('heading', { name: 'My tokens' }).waitFor();
    await context.close();
  });
});
