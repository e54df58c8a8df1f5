import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root; the server runs from its built dist/, as `npm start` runs it. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** PATINA_TEST_SERVER_MAIN runs these tests against another build, as the SDK's harness does. */
const MAIN = process.env.PATINA_TEST_SERVER_MAIN ?? join(ROOT, 'packages/server/dist/main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Bootstrap {
  clientId: string;
  clientSecret: string;
}

/** A real Patina process on a fresh data directory, as `npm start` runs one. */
export class PatinaProcess {
  readonly #child: ChildProcess;
  readonly #dataDir: string;
  output = '';

  private constructor(
    child: ChildProcess,
    dataDir: string,
    readonly baseUrl: string,
  ) {
    this.#child = child;
    this.#dataDir = dataDir;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
  }

  static async start(
    config: Record<string, unknown> = {},
    options: { port?: number } = {},
  ): Promise<PatinaProcess> {
    const dataDir = mkdtempSync(join(tmpdir(), 'patina-console-e2e-'));
    const port = options.port ?? (await freePort());
    const configFile = join(dataDir, 'patina.json');
    writeFileSync(configFile, JSON.stringify(config));
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('PATINA_')),
    );
    // PATINA_TEST_WORKERS=N: the sign-in suite again, against a node of N workers.
    const workers = process.env.PATINA_TEST_WORKERS;
    const args = workers ? [MAIN, 'serve', '--workers', workers] : [MAIN, 'serve'];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...inherited,
        PATINA_CONFIG: configFile,
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: String(port),
        PATINA_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const patina = new PatinaProcess(child, dataDir, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 30_000;
    while (!patina.output.includes('"patina listening"')) {
      if (child.exitCode !== null) throw new Error(`patina exited: ${patina.output}`);
      if (Date.now() > deadline) throw new Error(`patina did not start: ${patina.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (workers && !patina.output.includes(`"workers":${workers},`)) {
      throw new Error(`patina did not start ${workers} workers: ${patina.output}`);
    }
    return patina;
  }

  /** The console's URL, as the start log prints it for people to open. */
  consoleUrl(): string {
    const line = this.output.split('\n').find((l) => l.includes('"patina listening"'));
    return (JSON.parse(line ?? '{}') as { console?: string }).console ?? '';
  }

  /**
   * Trades a PAT's credentials at the real token endpoint (as `userAgent`, if given): the status
   * says if they work.
   */
  async exchangeStatus(
    clientId: string,
    clientSecret: string,
    userAgent?: string,
  ): Promise<number> {
    const response = await fetch(`${this.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(userAgent !== undefined && { 'user-agent': userAgent }),
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }).toString(),
    });
    return response.status;
  }

  /** The administrator's credentials, written on first start. */
  bootstrap(): Bootstrap {
    return JSON.parse(
      readFileSync(join(this.#dataDir, 'bootstrap-credentials.json'), 'utf8'),
    ) as Bootstrap;
  }

  /** An access token of the administrator, for setting up what a test needs through the API. */
  async adminToken(): Promise<string> {
    const { clientId, clientSecret } = this.bootstrap();
    return this.accessToken(clientId, clientSecret);
  }

  /** An access token of a PAT, from the real token endpoint. */
  async accessToken(clientId: string, clientSecret: string): Promise<string> {
    const response = await fetch(`${this.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }).toString(),
    });
    if (!response.ok) throw new Error(`token endpoint: ${response.status}`);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  /**
   * A USER identity holding `rights`, made by the administrator, and an access token of a PAT of
   * theirs naming them: for acting as someone else through the API.
   */
  async identityWithToken(input: {
    name: string;
    login: string;
    rights: string[];
    patName: string;
  }): Promise<{ id: string; accessToken: string }> {
    const identity = await this.api<{ id: string }>('POST', '/patina/v1/identities', {
      name: input.name,
      login: input.login,
      roles: ['USER'],
      rights: input.rights,
    });
    const pat = await this.api<{ id: string; secret: string }>(
      'POST',
      `/patina/v1/identities/${identity.id}/personal-access-tokens`,
      { name: input.patName, scope: input.rights },
    );
    return { id: identity.id, accessToken: await this.accessToken(pat.id, pat.secret) };
  }

  /** A call to Patina's API as the administrator. */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.adminToken()}`,
        ...(body !== undefined && {
          'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
        }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null) {
      const exited = new Promise((r) => this.#child.once('exit', r));
      this.#child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
    }
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}
