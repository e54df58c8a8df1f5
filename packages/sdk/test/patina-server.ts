import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PatinaClient, type CreatePatResponse, type Identity } from '@patina/sdk';

/**
 * A real Patina server for the client packages' tests: `node packages/server/dist/main.js serve`
 * as a child process on a free port, with its own data directory (SQLite). The SDK and the CLI
 * never import the server; they meet it over HTTP, as their users do. The root `npm test`
 * builds dist/ first.
 */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The server's entry point; PATINA_TEST_SERVER_MAIN runs these tests against another build. */
const MAIN = process.env.PATINA_TEST_SERVER_MAIN ?? join(ROOT, 'packages/server/dist/main.js');
/** A node of several workers starts each of them after its primary's own start: more time. */
const START_TIMEOUT_MS = process.env.PATINA_TEST_WORKERS ? 45_000 : 20_000;
/** PATINA_TEST_WORKERS=N starts every server with `--workers N` (docs/operations.md, "Workers"). */
export const TEST_WORKERS = process.env.PATINA_TEST_WORKERS;

export interface PatinaServer {
  baseUrl: string;
  /** The bootstrap administrator's PAT. */
  admin: { clientId: string; clientSecret: string };
  /** A client acting as the administrator. */
  adminClient: PatinaClient;
  /** The server's data directory: its SQLite database is `patina.db` in it. */
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts a server; `config` is written to a JSON config file (`--config`). */
export async function startPatina(
  options: { config?: Record<string, unknown> } = {},
): Promise<PatinaServer> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'patina-client-test-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const args = [MAIN, 'serve', '--port', String(port), '--data-dir', join(dir, 'data')];
  // The suites that run again against a node of several workers (vitest.config.ts, `workers`).
  if (TEST_WORKERS) args.push('--workers', TEST_WORKERS);
  if (options.config) {
    writeFileSync(join(dir, 'patina.json'), JSON.stringify(options.config));
    args.push('--config', join(dir, 'patina.json'));
  }
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(PATINA|SAIL)_/.test(name)),
  );
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: { ...inherited, PATINA_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const stop = () =>
    stopProcess(child).finally(() => rmSync(dir, { recursive: true, force: true }));
  let credentials: { clientId: string; clientSecret: string };
  try {
    await waitForHealth(baseUrl, child, () => output);
    if (TEST_WORKERS) expectWorkers(child, Number(TEST_WORKERS));
    // bootstrap-credentials.json, or -postgres-<database>.json with `database.url` in the config.
    const file = readdirSync(join(dir, 'data')).find((name) =>
      /^bootstrap-credentials(-postgres-.+)?\.json$/.test(name),
    );
    credentials = JSON.parse(
      readFileSync(join(dir, 'data', file ?? 'bootstrap-credentials.json'), 'utf8'),
    ) as typeof credentials;
  } catch (error) {
    // Never a server left running: a database bootstrapped before writes no credentials.
    await stop();
    throw error;
  }
  const admin = { clientId: credentials.clientId, clientSecret: credentials.clientSecret };
  return {
    baseUrl,
    admin,
    adminClient: new PatinaClient({ baseUrl, ...admin }),
    dataDir: join(dir, 'data'),
    stop,
  };
}

/** A node started with `--workers n` is a primary with n worker processes (Linux's /proc says). */
function expectWorkers(primary: ChildProcess, n: number): void {
  const pid = primary.pid!;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
  if (children.length !== n) {
    throw new Error(
      `expected ${n} workers, the server runs ${children.length}: ${children.join(' ')}`,
    );
  }
}

/** A fresh identity (its own name, so tests never meet) with a PAT made for it by the admin. */
export async function newUser(
  server: PatinaServer,
  options: {
    roles?: string[];
    rights?: string[];
    pat?: { scope?: string[]; accessTokenValiditySeconds?: number };
  } = {},
): Promise<{ identity: Identity; pat: CreatePatResponse; clientId: string; clientSecret: string }> {
  const tag = randomBytes(4).toString('hex');
  const identity = await server.adminClient.identities.create({
    name: `Test user ${tag}`,
    login: `user-${tag}`,
    roles: options.roles ?? ['USER'],
    ...(options.rights && { rights: options.rights }),
  });
  const pat = await server.adminClient.identities.createPat(identity.id, {
    name: 'login',
    ...options.pat,
  });
  return { identity, pat, clientId: pat.id, clientSecret: pat.secret };
}

/** A fetch that records every request it passes on: method, path and the status answered. */
export function recordingFetch() {
  const calls: { method: string; path: string; status: number; atMs: number }[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    calls.push({
      method: init?.method ?? 'GET',
      path: url.pathname,
      status: response.status,
      atMs: Date.now(),
    });
    return response;
  };
  return {
    fetch: wrapped,
    calls,
    /** How many requests went to this path. */
    count: (path: string) => calls.filter((call) => call.path === path).length,
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(baseUrl: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`patina exited with ${child.exitCode} before it listened:\n${output()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`patina did not answer /health within ${START_TIMEOUT_MS} ms:\n${output()}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('close', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
