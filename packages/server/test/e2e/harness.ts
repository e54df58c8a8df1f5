import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished } from 'vitest';

/**
 * The real process, started the way `npm start` does: `node packages/server/dist/main.js serve`
 * from the repository root. The root `npm test` builds dist/ before the tests run.
 */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const MAIN = join(ROOT, 'packages/server/dist/main.js');
export const E2E_TIMEOUT_MS = 60_000;
export const START_TIMEOUT_MS = 20_000;
export const STOP_TIMEOUT_MS = 10_000;

/** What the process logs outside any request: start, first start, shutdown. */
export const LIFECYCLE_MESSAGES = new Set([
  'database migrated',
  'first start: administrator credentials written',
  "administrator credentials file updated to this start's URL",
  'administrator credentials are in this file',
  'administrator credentials were made earlier, by another node or start; lost them? run `patina-server admin token`',
  'patina listening',
  'shutting down: draining in-flight requests',
  'stopped',
]);

export interface LogLine {
  msg?: string;
  reqId?: string;
  statusCode?: number;
  [key: string]: unknown;
}

export interface Credentials {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Children and temporary directories of one test, ended and removed when it finishes. */
export class Sandbox {
  readonly #children: RunningProcess[] = [];
  readonly #dirs: string[] = [];
  #databaseEnv: Record<string, string> = {};

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

  /**
   * Puts every process this sandbox starts on a database (test/dialect.ts processDatabaseEnv:
   * nothing for SQLite, PATINA_DATABASE_URL and PATINA_MASTER_KEY for PostgreSQL). A process's
   * own env still wins.
   */
  useDatabase(env: Record<string, string>): this {
    this.#databaseEnv = env;
    return this;
  }

  /**
   * Where a process of this sandbox with `dataDir` writes the bootstrap credentials: the file
   * every SQLite data directory has, or the one named after this sandbox's PostgreSQL database
   * (or `url`'s).
   */
  bootstrapFile(dataDir: string, url = this.#databaseEnv.PATINA_DATABASE_URL): string {
    if (url === undefined) return join(dataDir, 'bootstrap-credentials.json');
    const { hostname, port, pathname } = new URL(url);
    const name = `${hostname}-${port || '5432'}-${pathname.slice(1)}`;
    return join(dataDir, `bootstrap-credentials-postgres-${name}.json`);
  }

  spawn(args: string[], env: Record<string, string>): RunningProcess {
    const child = new RunningProcess(args, { ...this.#databaseEnv, ...env });
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

export class RunningProcess {
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

export function exchange(tokenUrl: string, clientId: string, clientSecret: string) {
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

export async function accessToken(credentials: Credentials): Promise<string> {
  const response = await exchange(
    credentials.tokenUrl,
    credentials.clientId,
    credentials.clientSecret,
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

export function readCredentials(file: string): Credentials {
  return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
}
