import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

/**
 * The real process, started the way `npm start` does: `node packages/server/dist/main.js serve`
 * from the repository root. The root `npm test` builds dist/ before the tests run.
 */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = join(ROOT, 'packages/server/dist/main.js');
const E2E_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

/** What the process logs outside any request: start, first start, shutdown. */
const LIFECYCLE_MESSAGES = new Set([
  'database migrated',
  'first start: administrator credentials written',
  'patina listening',
  'shutting down: draining in-flight requests',
  'stopped',
]);

interface LogLine {
  msg?: string;
  reqId?: string;
  statusCode?: number;
  [key: string]: unknown;
}

interface Credentials {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Children and temporary directories of one test, ended and removed when it finishes. */
class Sandbox {
  readonly #children: RunningProcess[] = [];
  readonly #dirs: string[] = [];

  constructor() {
    if (!existsSync(MAIN)) {
      throw new Error(`${MAIN} does not exist: run \`npm run build\` (the root \`npm test\` does)`);
    }
    onTestFinished(async () => {
      for (const child of this.#children) await child.kill();
      for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
    });
  }

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'patina-e2e-'));
    this.#dirs.push(dir);
    return dir;
  }

  spawn(args: string[], env: Record<string, string>): RunningProcess {
    const child = new RunningProcess(args, env);
    this.#children.push(child);
    return child;
  }

  /** `serve`, waiting for the 'patina listening' line. */
  async serve(env: Record<string, string>): Promise<RunningProcess> {
    const child = this.spawn(['serve'], { PATINA_LOG_LEVEL: 'info', ...env });
    await child.waitForLog((line) => line.msg === 'patina listening', START_TIMEOUT_MS);
    return child;
  }

  /** A one-shot command, run to its end. */
  async run(args: string[], env: Record<string, string> = {}) {
    const child = this.spawn(args, env);
    const exit = await child.exited(START_TIMEOUT_MS);
    return { ...exit, stdout: child.stdout, stderr: child.stderr };
  }
}

class RunningProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  #exit: Exit | undefined;
  readonly #closed: Promise<Exit>;
  readonly #listeners = new Set<() => void>();

  constructor(args: string[], env: Record<string, string>) {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('PATINA_')),
    );
    this.child = spawn(process.execPath, [MAIN, ...args], {
      cwd: ROOT,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.#notify();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.#closed = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.#exit = { code, signal };
        this.#notify();
        resolve(this.#exit);
      });
    });
  }

  /** stdout as pino JSON lines; a line that is not JSON fails the test. */
  get logLines(): LogLine[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as LogLine;
        } catch {
          throw new Error(`stdout line is not JSON: ${line}`);
        }
      });
  }

  get output(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }

  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    return this.#waitFor(() => this.logLines.find(match), timeoutMs, 'the expected log line');
  }

  exited(timeoutMs: number): Promise<Exit> {
    return this.#waitFor(() => this.#exit, timeoutMs, 'the process to exit');
  }

  /** SIGTERM, then the exit, which must come within STOP_TIMEOUT_MS. */
  async stop(): Promise<Exit> {
    this.child.kill('SIGTERM');
    return this.exited(STOP_TIMEOUT_MS);
  }

  /** Cleanup: end the process if it still runs. */
  async kill(): Promise<void> {
    if (this.#exit) return;
    this.child.kill('SIGKILL');
    await this.#closed;
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  #waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (this.#exit && what !== 'the process to exit') {
          done();
          reject(
            new Error(
              `The process exited (${JSON.stringify(this.#exit)}) before ${what}\n${this.output}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}\n${this.output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }
}

function freePort(): Promise<number> {
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

function exchange(tokenUrl: string, clientId: string, clientSecret: string) {
  return fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }),
  });
}

async function accessToken(credentials: Credentials): Promise<string> {
  const response = await exchange(
    credentials.tokenUrl,
    credentials.clientId,
    credentials.clientSecret,
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function readCredentials(file: string): Credentials {
  return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
}

describe('the patina process', () => {
  it(
    'starts, bootstraps an administrator, serves requests, logs them and stops on SIGTERM',
    async () => {
      const sandbox = new Sandbox();
      const dataDir = sandbox.tempDir();
      const port = await freePort();
      const server = await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port) });
      const baseUrl = `http://127.0.0.1:${port}`;

      const file = join(dataDir, 'bootstrap-credentials.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
      const credentials = readCredentials(file);
      expect(Object.keys(credentials).sort()).toEqual([
        'baseUrl',
        'clientId',
        'clientSecret',
        'tokenUrl',
      ]);
      expect(credentials.baseUrl).toBe(baseUrl);
      expect(credentials.tokenUrl).toBe(`${baseUrl}/oauth/token`);
      expect(credentials.clientId).toMatch(/^[0-9a-f]{32}$/);
      expect(credentials.clientSecret).toMatch(/^patina_[0-9A-Za-z]{57}$/);
      expect(server.logLines.map((line) => line.msg)).toContain(
        'first start: administrator credentials written',
      );

      const health = await fetch(`${baseUrl}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      const token = await accessToken(credentials);
      const created = await fetch(`${baseUrl}/v3/personal-access-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'e2e' }),
      });
      expect(created.status).toBe(200);
      const pat = (await created.json()) as { name: string; secret: string };
      expect(pat.name).toBe('e2e');

      const refused = await fetch(`${baseUrl}/v3/personal-access-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'e2e' }),
      });
      expect(refused.status).toBe(400);
      const { trackingId } = (await refused.json()) as { trackingId: string };
      expect(trackingId).toMatch(/^[0-9a-f]{32}$/);
      await server.waitForLog((line) => line.reqId === trackingId, START_TIMEOUT_MS);

      const exit = await server.stop();
      expect(exit).toEqual({ code: 0, signal: null });

      const lines = server.logLines;
      expect(lines.find((line) => line.msg === 'stopped')).toBeDefined();
      const requestLines = lines.filter((line) => line.msg === 'request');
      // health, token, create, refused create
      expect(requestLines.map((line) => [line.path, line.statusCode])).toEqual([
        ['/health', 200],
        ['/oauth/token', 200],
        ['/v3/personal-access-tokens', 200],
        ['/v3/personal-access-tokens', 400],
      ]);
      for (const line of lines) {
        if (LIFECYCLE_MESSAGES.has(line.msg ?? '')) continue;
        if (line.msg === `Server listening at ${baseUrl}`) continue; // Fastify's own
        expect(
          typeof line.reqId === 'string' && /^[0-9a-f]{32}$/.test(line.reqId),
          JSON.stringify(line),
        ).toBe(true);
      }
      expect(requestLines.at(-1)?.reqId).toBe(trackingId);
      for (const secret of [credentials.clientSecret, pat.secret, token]) {
        expect(server.stdout).not.toContain(secret);
        expect(server.stderr).not.toContain(secret);
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'keeps its bootstrap file, master key and signing key across a restart',
    async () => {
      const sandbox = new Sandbox();
      const dataDir = sandbox.tempDir();
      const port = await freePort();
      const first = await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port) });
      const file = join(dataDir, 'bootstrap-credentials.json');
      const content = readFileSync(file, 'utf8');
      const mtimeMs = statSync(file).mtimeMs;
      const credentials = readCredentials(file);
      const token = await accessToken(credentials);
      expect(await first.stop()).toEqual({ code: 0, signal: null });

      // The same port: the issuer is the public base URL, which names the port.
      const second = await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port) });
      expect(second.logLines.map((line) => line.msg)).not.toContain(
        'first start: administrator credentials written',
      );
      expect(readFileSync(file, 'utf8')).toBe(content);
      expect(statSync(file).mtimeMs).toBe(mtimeMs);

      const baseUrl = `http://127.0.0.1:${port}`;
      // The access token minted before the restart verifies: the signing key persisted.
      const listed = await fetch(`${baseUrl}/v3/personal-access-tokens?owner-id=me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { id: string }[]).map((p) => p.id)).toEqual([
        credentials.clientId,
      ]);
      // The secret still matches its digest: the master key persisted.
      const exchanged = await exchange(
        `${baseUrl}/oauth/token`,
        credentials.clientId,
        credentials.clientSecret,
      );
      expect(exchanged.status).toBe(200);
      expect(await second.stop()).toEqual({ code: 0, signal: null });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'mints recovery credentials with `admin token` and migrates with `migrate`',
    async () => {
      const sandbox = new Sandbox();
      const dataDir = sandbox.tempDir();
      const port = await freePort();
      const server = await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port) });
      const bootstrap = readCredentials(join(dataDir, 'bootstrap-credentials.json'));

      // Beside the running server: SQLite's WAL lets the second process write.
      const admin = await sandbox.run(['admin', 'token', '--data-dir', dataDir], {
        PATINA_PORT: String(port),
      });
      expect(admin.code, admin.stderr).toBe(0);
      const recovered = JSON.parse(admin.stdout) as Credentials;
      expect(Object.keys(recovered).sort()).toEqual([
        'baseUrl',
        'clientId',
        'clientSecret',
        'tokenUrl',
      ]);
      expect(recovered.tokenUrl).toBe(`http://127.0.0.1:${port}/oauth/token`);
      expect(recovered.clientId).not.toBe(bootstrap.clientId);
      await accessToken(recovered);
      expect(server.stdout).not.toContain(recovered.clientSecret);

      const migrated = await sandbox.run(['migrate', '--data-dir', dataDir]);
      expect(migrated).toEqual({
        code: 0,
        signal: null,
        stdout: 'The schema is up to date.\n',
        stderr: '',
      });

      const freshDir = join(sandbox.tempDir(), 'fresh');
      const fresh = await sandbox.run(['migrate', '--data-dir', freshDir]);
      expect(fresh).toEqual({
        code: 0,
        signal: null,
        stdout: 'Applied: 0001_initial\n',
        stderr: '',
      });
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses to start on a bad config file, naming the setting',
    async () => {
      const sandbox = new Sandbox();
      const dir = sandbox.tempDir();
      const config = join(dir, 'patina.json');
      writeFileSync(config, JSON.stringify({ policy: { maxTokensPerOwner: 0 } }));
      const dataDir = join(dir, 'data');
      const result = await sandbox.run(['serve'], {
        PATINA_CONFIG: config,
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: String(await freePort()),
      });
      expect(result).toEqual({
        code: 1,
        signal: null,
        stdout: '',
        stderr: `patina: Invalid configuration in ${config}: policy.maxTokensPerOwner must be >= 1\n`,
      });
      expect(existsSync(dataDir)).toBe(false);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses to start on a port that is not a number, naming the port',
    async () => {
      const sandbox = new Sandbox();
      const dataDir = join(sandbox.tempDir(), 'data');
      const result = await sandbox.run(['serve'], {
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: 'abc',
      });
      expect(result).toEqual({
        code: 1,
        signal: null,
        stdout: '',
        stderr: 'patina: Invalid configuration in settings: port must be integer\n',
      });
      expect(existsSync(dataDir)).toBe(false);
    },
    E2E_TIMEOUT_MS,
  );
});
