import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { expect, onTestFinished } from 'vitest';
import { buildApp, createServices } from '../../src/app.js';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { ManualClock } from '../../src/core/clock.js';
import { openTestStorage, testDatabaseSettings } from '../dialect.js';
import { START, TestApp, testConfig, type TestAppOptions } from '../helpers.js';
import { reusedKeyPairs } from '../key-pairs.js';

export const INDEX_HTML = '<!doctype html><title>Patina</title><div id="root"></div>';
export const ASSET = 'assets/index-Bx3kQ9aZ.js';

/** A built console of two files, as Vite lays one out. */
export function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patina-console-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX_HTML);
  writeFileSync(join(dir, ASSET), 'console.log("patina")');
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** startTestApp, with the console's files chosen by the test. */
export async function startConsoleApp(
  options: TestAppOptions & { consoleDistDir?: string | null } = {},
): Promise<TestApp> {
  const database = testDatabaseSettings();
  const config = testConfig(database, options.config);
  const clock = new ManualClock(START);
  const storage = await openTestStorage(database);
  const services = await createServices({
    config,
    storage,
    masterKey: randomBytes(32),
    clock,
    keyPairs: reusedKeyPairs,
  });
  const app = await buildApp(services, {
    logger: false,
    consoleDistDir: options.consoleDistDir === undefined ? null : options.consoleDistDir,
  });
  await app.ready();
  const t = new TestApp(app, services, clock);
  onTestFinished(() => t.close());
  t.admin = await t.user({ name: 'Ada Admin', login: 'ada', roles: ['ORG_ADMIN'] });
  return t;
}

/** What a browser on the console's own page sends with a state-changing request. */
export const SAME_ORIGIN = { origin: 'http://patina.test', 'sec-fetch-site': 'same-origin' };

export interface SignedIn {
  cookie: string;
  csrf: string;
  body: Record<string, unknown>;
}

/** The session cookie's value in a response's Set-Cookie. */
export function sessionCookie(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'patina_console');
  expect(cookie, 'a session cookie').toBeDefined();
  return cookie!.value;
}

/** Signs in to the console with a PAT, as the sign-in form does. */
export async function signInWithPat(
  t: TestApp,
  clientId: string,
  clientSecret: string,
): Promise<SignedIn> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/ui/auth/pat',
    headers: SAME_ORIGIN,
    payload: { clientId, clientSecret },
  });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json<Record<string, unknown>>();
  return { cookie: sessionCookie(response), csrf: body.csrfToken as string, body };
}

/** A call through the console's API proxy, with the session's cookie (and CSRF token). */
export function viaConsole(
  t: TestApp,
  session: SignedIn,
  request: { method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: unknown },
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const method = request.method ?? 'GET';
  return t.app.inject({
    method,
    url: `/ui/api${request.url}`,
    cookies: { patina_console: session.cookie },
    headers: {
      ...(method !== 'GET' && { ...SAME_ORIGIN, 'x-patina-csrf': session.csrf }),
      ...headers,
    },
    ...(request.payload !== undefined && { payload: request.payload as object }),
  });
}

export { SYSTEM_CONTEXT };
export { MINUTE_MS } from '../../src/core/time.js';
