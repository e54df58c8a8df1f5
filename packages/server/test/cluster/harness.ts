import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { expect, onTestFinished } from 'vitest';
import { freePort, V3 } from '../helpers.js';
import { pollUntil } from '../poll.js';
import { createDatabase, dropDatabase } from '../postgres/server.js';
import {
  type Credentials,
  exchange,
  readCredentials,
  type RunningProcess,
  Sandbox,
  START_TIMEOUT_MS,
} from '../e2e/harness.js';

/**
 * Several real `dist/main.js serve` processes on one database, as a deployment behind a load
 * balancer runs them: the same database URL and master key, one public base URL (so an access
 * token's iss and aud are the same whichever node minted it), a data directory and a port each.
 */

export const CLUSTER_TIMEOUT_MS = 120_000;
export const PUBLIC_BASE_URL = 'http://patina.cluster.test';
export const ADMIN = '/patina/v1';

/** Limits high enough that bursts of requests from one client are never throttled or capped. */
export const CLUSTER_CONFIG = {
  policy: {
    maxTokensPerOwner: 1000,
    rateLimit: { max: 100_000, windowSeconds: 10 },
    lockout: { maxFailures: 10_000 },
  },
};

/** How many migrations the product ships: one file each in src/storage/migrations. */
export function migrationCount(): number {
  const dir = new URL('../../src/storage/migrations/', import.meta.url);
  return readdirSync(dir).filter((file) => /^\d{4}_.*\.ts$/.test(file)).length;
}

/** An HTTP answer, its body parsed as JSON when it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface CreatedPat {
  id: string;
  name: string;
  secret: string;
}

export interface ListedPat {
  id: string;
  name: string;
  owner: { id: string };
}

interface RequestOptions {
  token?: string | undefined;
  json?: unknown;
  contentType?: string;
}

/** One running node: a `serve` process with its own port and data directory. */
export class ClusterNode {
  constructor(
    readonly process: RunningProcess,
    readonly port: number,
    readonly dataDir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process.child.exitCode === null && this.process.child.signalCode === null;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.json !== undefined)
      headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      ...(options.json !== undefined && { body: JSON.stringify(options.json) }),
    });
    return answerOf(response);
  }

  /** POST /oauth/token with client credentials, on this node. */
  async exchange(clientId: string, clientSecret: string): Promise<Answer> {
    return answerOf(await exchange(`${this.url}/oauth/token`, clientId, clientSecret));
  }

  /** An access token for the client, minted on this node; anything but 200 fails the test. */
  async accessToken(credentials: { clientId: string; clientSecret: string }): Promise<string> {
    const answer = await this.exchange(credentials.clientId, credentials.clientSecret);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return (answer.body as { access_token: string }).access_token;
  }

  /** Creates a PAT for the caller; anything but 200 fails the test. */
  async createPat(token: string, name: string): Promise<CreatedPat> {
    const answer = await this.request('POST', V3, { token, json: { name } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as CreatedPat;
  }

  /** Every PAT `path` lists, page by page (250 a page, the most one page may hold). */
  async listAll<T = ListedPat>(path: string, token: string): Promise<T[]> {
    const all: T[] = [];
    const separator = path.includes('?') ? '&' : '?';
    for (let offset = 0; ; offset += 250) {
      const answer = await this.request('GET', `${path}${separator}limit=250&offset=${offset}`, {
        token,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const page = answer.body as T[];
      all.push(...page);
      if (page.length < 250) return all;
    }
  }
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') {
    body = JSON.parse(text) as unknown;
  }
  return { status: response.status, headers: response.headers, body };
}

/** Whether `answer` carries the SailPoint error body with this status and detailCode. */
export function isSailPointError(
  answer: Pick<Answer, 'status' | 'body'>,
  status: number,
  detailCode: string,
): boolean {
  const body = answer.body as {
    detailCode?: unknown;
    trackingId?: unknown;
    messages?: { locale?: unknown; localeOrigin?: unknown; text?: unknown }[];
    causes?: unknown;
  } | null;
  if (answer.status !== status || typeof body !== 'object' || body === null) return false;
  const message = Array.isArray(body.messages) ? body.messages[0] : undefined;
  return (
    body.detailCode === detailCode &&
    typeof body.trackingId === 'string' &&
    /^[0-9a-f]{32}$/.test(body.trackingId) &&
    message !== undefined &&
    message.locale === 'en-US' &&
    message.localeOrigin === 'DEFAULT' &&
    typeof message.text === 'string' &&
    Array.isArray(body.causes)
  );
}

export interface NodeLaunch {
  node: ClusterNode;
  /** Resolves once the node logged 'patina listening'. */
  listening: Promise<void>;
}

/**
 * Nodes sharing one database. Every node gets the same database URL, master key, config file and
 * public base URL; each its own data directory and port. Processes are killed and directories
 * removed when the test ends (the Sandbox does that).
 */
export class Cluster {
  readonly sandbox = new Sandbox();
  readonly masterKey = randomBytes(32).toString('base64');
  readonly configFile: string;
  readonly nodes: ClusterNode[] = [];

  /** `databaseUrl` null: SQLite in each node's data directory (for single-node checks). */
  constructor(
    readonly databaseUrl: string | null,
    config: Record<string, unknown> = CLUSTER_CONFIG,
  ) {
    this.configFile = join(this.sandbox.tempDir(), 'patina.json');
    writeFileSync(this.configFile, JSON.stringify(config));
  }

  /** A cluster on a fresh database of the test server, dropped when the test ends. */
  static async onFreshDatabase(config?: Record<string, unknown>): Promise<Cluster> {
    const { url, name } = await createDatabase();
    const cluster = new Cluster(url, config);
    onTestFinished(async () => {
      // Processes first, so that dropping the database interrupts nobody.
      for (const node of cluster.nodes) await node.process.kill();
      await dropDatabase(name);
    });
    return cluster;
  }

  /** Starts a node without waiting for it: for nodes that must start at the same moment. */
  async launch(options: { dataDir?: string } = {}): Promise<NodeLaunch> {
    const port = await freePort();
    const dataDir = options.dataDir ?? this.sandbox.tempDir();
    const env: Record<string, string> = {
      PATINA_LOG_LEVEL: 'info',
      PATINA_HOST: '127.0.0.1',
      PATINA_PORT: String(port),
      PATINA_DATA_DIR: dataDir,
      PATINA_PUBLIC_BASE_URL: PUBLIC_BASE_URL,
      PATINA_CONFIG: this.configFile,
    };
    if (this.databaseUrl !== null) {
      env.PATINA_DATABASE_URL = this.databaseUrl;
      env.PATINA_MASTER_KEY = this.masterKey;
    }
    const child = this.sandbox.spawn(['serve'], env);
    const node = new ClusterNode(child, port, dataDir);
    this.nodes.push(node);
    const listening = child
      .waitForLog((line) => line.msg === 'patina listening', START_TIMEOUT_MS)
      .then(() => undefined);
    return { node, listening };
  }

  /** Starts a node and waits until it listens. */
  async start(options: { dataDir?: string } = {}): Promise<ClusterNode> {
    const { node, listening } = await this.launch(options);
    await listening;
    return node;
  }

  /** The administrator credentials the first node wrote into its data directory. */
  adminCredentials(): Credentials {
    const writers = this.nodes.filter((node) => existsSync(this.bootstrapFile(node)));
    expect(writers.length, 'nodes that wrote bootstrap credentials').toBe(1);
    return readCredentials(this.bootstrapFile(writers[0]!));
  }

  /** Where `node` keeps the bootstrap credentials of this cluster's database, if it made them. */
  bootstrapFile(node: ClusterNode): string {
    return this.sandbox.bootstrapFile(node.dataDir, this.databaseUrl ?? undefined);
  }
}

const run = promisify(execFile);

/** The directory holding initdb and pg_ctl: the newest Debian-style install, or pg_config's. */
async function postgresBinDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  try {
    return (await run('pg_config', ['--bindir'])).stdout.trim();
  } catch {
    throw new Error(
      'The database-restart test starts a private PostgreSQL server and needs initdb and pg_ctl ' +
        '(in /usr/lib/postgresql/<version>/bin or pg_config --bindir); none were found',
    );
  }
}

/**
 * A PostgreSQL server of the test's own, in a temporary directory on a free port, so that
 * stopping and restarting it disturbs no other test. initdb refuses to run as root: as root, the
 * server's commands run as the `postgres` user. Stopped and removed when the test ends.
 */
export class PrivatePostgres {
  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    readonly asUser: string | undefined,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const bin = await postgresBinDir();
    const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'patina-pg-'));
    const server = new PrivatePostgres(bin, dir, await freePort(), asUser);
    onTestFinished(() => server.destroy());
    if (asUser) {
      const ids = await run('id', ['-u', asUser]);
      const gids = await run('id', ['-g', asUser]);
      chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
    }
    await server.#command('initdb', ['-D', server.dataDir, '-A', 'trust', '-U', 'postgres']);
    await server.startServer();
    return server;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** A URL of a database on this server. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(`create database "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  async startServer(): Promise<void> {
    await this.#command('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /** `fast`: clients are told the server is shutting down; `immediate`: no goodbye at all. */
  async stopServer(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.#command('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Stops the server if it may run (whatever a failed test left behind), then removes it. */
  async destroy(): Promise<void> {
    try {
      if (existsSync(join(this.dataDir, 'postmaster.pid'))) await this.stopServer('immediate');
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  async #command(program: string, args: string[]): Promise<void> {
    const path = join(this.bin, program);
    const [file, argv] = this.asUser
      ? ['runuser', ['-u', this.asUser, '--', path, ...args]]
      : [path, args];
    try {
      await run(file, argv, { cwd: this.dir, timeout: 90_000 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`${program} ${args.at(-1)} failed: ${stderr ?? ''}${stdout ?? ''}`, {
        cause: error,
      });
    }
  }
}

/** GET /v3/personal-access-tokens on `node` with the token: 200 while it is accepted. */
export async function ownList(node: ClusterNode, token: string): Promise<number> {
  return (await node.request('GET', `${V3}?owner-id=me&limit=1`, { token })).status;
}

/**
 * Polls `node` every ~50 ms until it refuses `token` (401), failing when it still accepts it
 * after one second; logs how long the refusal took to arrive.
 */
export async function expectRefusedWithinASecond(node: ClusterNode, token: string, what: string) {
  const statuses: number[] = [];
  const { met, elapsedMs } = await pollUntil(async () => {
    const status = await ownList(node, token);
    statuses.push(status);
    return status === 401;
  }, 1000);
  console.log(`${what}: node 2 refused the access token after ${elapsedMs.toFixed(0)} ms`);
  expect(
    met,
    `${what}: node 2 still accepts the access token after 1 s (${statuses.join(',')})`,
  ).toBe(true);
  // Only 200 (not yet heard) or 401 (heard): never any other answer on the way.
  expect(statuses.slice(0, -1).filter((s) => s !== 200)).toEqual([]);
}
