import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import { processDatabaseEnv } from '../dialect.js';
import {
  type Credentials,
  type LogLine,
  readCredentials,
  type RunningProcess,
  Sandbox,
} from '../e2e/harness.js';
import { CLUSTER_CONFIG } from '../cluster/harness.js';
import { freePort } from '../helpers.js';
import { poll } from '../poll.js';

/**
 * One real node with several workers (`serve --workers N`): a primary and N processes sharing one
 * port (docs/operations.md, "Workers"). Every request here goes on a connection of its own
 * (`Connection: close`, no agent), so that the primary hands each to the next worker; which
 * worker answered is read from the request's log line, whose path each probe makes unique.
 */

export const WORKERS_TIMEOUT_MS = 120_000;
/** Four workers start in ~10 s on this 2-core machine alone; twice that while other tests run. */
export const WORKERS_START_TIMEOUT_MS = 60_000;
export const ADMIN = '/patina/v1';
export const PATS = '/patina/v1/personal-access-tokens';
export { CLUSTER_CONFIG };

/** An HTTP answer on a connection of its own; `body` is parsed JSON when it is JSON. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface SendOptions {
  token?: string;
  /** The JSON body's media type: application/json by default. */
  contentType?: string;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Gives up on an answer after this long, failing with code TIMEOUT (default: 30 s). */
  timeoutMs?: number;
}

/**
 * A request on a new TCP connection, closed after the answer; with `agent`, on that agent's
 * kept-alive connection instead.
 */
export function send(
  port: number,
  method: string,
  path: string,
  options: SendOptions = {},
  agent?: Agent,
): Promise<Reply> {
  const headers: Record<string, string> = {
    ...(agent === undefined && { connection: 'close' }),
    ...options.headers,
  };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.json !== undefined) {
    payload = JSON.stringify(options.json);
    headers['content-type'] = options.contentType ?? 'application/json';
  } else if (options.form !== undefined) {
    payload = new URLSearchParams(options.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers, agent: agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if ((res.headers['content-type'] ?? '').includes('json') && text !== '') {
            body = JSON.parse(text) as unknown;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(options.timeoutMs ?? 30_000, () => {
      req.destroy(Object.assign(new Error('no answer in time'), { code: 'TIMEOUT' }));
    });
    req.end(payload);
  });
}

/** A 32-hex id no PAT has: a probe's path is unique, so its log line names its worker. */
export function randomId(): string {
  return randomBytes(16).toString('hex');
}

/** The ids of the live processes whose parent is `ppid` (from /proc: Linux). */
export function childPids(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids.sort((a, b) => a - b);
}

/** Whether a process with this id still exists (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export interface NodeOptions {
  workers: number;
  /** The JSON config file's content (`--config`); CLUSTER_CONFIG's high limits by default. */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  /** SQLite even when the test file runs on PostgreSQL. */
  sqlite?: boolean;
}

export class WorkerNode {
  private constructor(
    readonly sandbox: Sandbox,
    readonly process: RunningProcess,
    readonly port: number,
    readonly dataDir: string,
    readonly workers: number,
  ) {}

  /** Starts a node with `workers` workers on this file's dialect and waits until all listen. */
  static async start(options: NodeOptions): Promise<WorkerNode> {
    const sandbox = new Sandbox();
    if (!options.sqlite) sandbox.useDatabase(await processDatabaseEnv());
    const dataDir = sandbox.tempDir();
    const configFile = join(sandbox.tempDir(), 'patina.json');
    writeFileSync(configFile, JSON.stringify(options.config ?? CLUSTER_CONFIG));
    const port = await freePort();
    const child = sandbox.spawn(['serve'], {
      PATINA_LOG_LEVEL: 'info',
      PATINA_HOST: '127.0.0.1',
      PATINA_PORT: String(port),
      PATINA_DATA_DIR: dataDir,
      PATINA_CONFIG: configFile,
      PATINA_WORKERS: String(options.workers),
      ...options.env,
    });
    const node = new WorkerNode(sandbox, child, port, dataDir, options.workers);
    await child.waitForLog((line) => line.msg === 'patina listening', WORKERS_START_TIMEOUT_MS);
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.process.child.pid!;
  }

  /** The primary's 'patina listening' line. */
  get listening(): LogLine {
    const line = this.process.logLines.find((l) => l.msg === 'patina listening');
    if (!line) throw new Error('the node has not logged patina listening');
    return line;
  }

  /** The workers' process ids the primary announced when all listened. */
  get startPids(): number[] {
    return this.listening.pids as number[];
  }

  credentials(): Credentials {
    return readCredentials(this.sandbox.bootstrapFile(this.dataDir));
  }

  send(method: string, path: string, options: SendOptions = {}): Promise<Reply> {
    return send(this.port, method, path, options);
  }

  /**
   * One kept-alive connection, so one worker: every request sent through it goes to the worker
   * that `worker` names. Closed when the test ends.
   */
  async connection(): Promise<{ worker: number; send: WorkerNode['send']; close: () => void }> {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    onTestFinished(() => agent.destroy());
    const path = `${PATS}/${randomId()}`;
    await send(this.port, 'GET', path, {}, agent);
    return {
      worker: await this.workerOf(path),
      send: (method, p, options) => send(this.port, method, p, options, agent),
      close: () => agent.destroy(),
    };
  }

  /** POST /oauth/token with client credentials, on a connection of its own. */
  exchange(clientId: string, clientSecret: string, headers: Record<string, string> = {}) {
    return this.send('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
      headers,
    });
  }

  async accessToken(credentials: { clientId: string; clientSecret: string }): Promise<string> {
    const answer = await this.exchange(credentials.clientId, credentials.clientSecret);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return (answer.body as { access_token: string }).access_token;
  }

  /** The request log lines, with the worker that wrote each. */
  requestLines(): LogLine[] {
    return this.process.logLines.filter((line) => line.msg === 'request');
  }

  /** The worker that answered the request to `path` (a path only one request had). */
  async workerOf(path: string): Promise<number> {
    const line = await this.process.waitForLog(
      (l) => l.msg === 'request' && l.path === path,
      10_000,
    );
    expect(typeof line.worker, JSON.stringify(line)).toBe('number');
    return line.worker as number;
  }

  /**
   * A bearer request that names no PAT: 404 while the token is accepted, 401 once refused. Its
   * path is its own, so the log says which worker answered.
   */
  async probe(token: string): Promise<{ status: number; worker: number }> {
    const { status, path } = await this.probeStatus(token);
    return { status, worker: await this.workerOf(path) };
  }

  /** `probe` without waiting for its log line: `workerOf(path)` says later who answered. */
  async probeStatus(token: string): Promise<{ status: number; path: string }> {
    const path = `${PATS}/${randomId()}`;
    const { status } = await this.send('GET', path, { token });
    return { status, path };
  }

  /** Probes until every worker has answered one (and at most `max` probes). */
  async probeEveryWorker(token: string, max = this.workers * 6) {
    const answers: { status: number; worker: number }[] = [];
    const seen = new Set<number>();
    while (seen.size < this.workers && answers.length < max) {
      const answer = await this.probe(token);
      answers.push(answer);
      seen.add(answer.worker);
    }
    expect([...seen].sort(), 'workers that answered a probe').toEqual(workerSlots(this.workers));
    return answers;
  }

  /** Every PAT the token may list, by id (250 a page). */
  async listIds(token: string, query = 'owner-id=me'): Promise<Set<string>> {
    const ids = new Set<string>();
    for (let offset = 0; ; offset += 250) {
      const answer = await this.send(
        'GET',
        `/v3/personal-access-tokens?${query}&limit=250&offset=${offset}`,
        {
          token,
        },
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const page = answer.body as { id: string }[];
      for (const pat of page) ids.add(pat.id);
      if (page.length < 250) return ids;
    }
  }

  /** Log lines at error level or worse, and any that speak of SQLite's lock. */
  troubleLines(): LogLine[] {
    return this.process.logLines.filter(
      (line) =>
        (typeof line.level === 'number' && line.level >= 50) ||
        /SQLITE_BUSY|database is locked/i.test(JSON.stringify(line)),
    );
  }
}

/** 0 to n − 1. */
export function workerSlots(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Waits until the receiver-like `count` reaches `n`, failing after `deadlineMs`. */
export async function waitForCount(
  what: string,
  count: () => number,
  n: number,
  deadlineMs: number,
) {
  const result = await poll(
    () => Promise.resolve(count()),
    (value) => value >= n,
    { deadlineMs },
  );
  expect(result.met, `${what}: ${result.last} of ${n} after ${deadlineMs} ms`).toBe(true);
  return result;
}

/** Runs `task` for each item with at most `concurrency` at once; results in item order. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  });
  await Promise.all(runners);
  return results;
}

/**
 * Which of `pids` holds the TCP connection from 127.0.0.1:`peerPort` to 127.0.0.1:`localPort`
 * (Linux: /proc/net/tcp gives the socket's inode, /proc/<pid>/fd the process holding it); undefined
 * when none does. Call it while the connection is open.
 */
export function pidOfPeer(peerPort: number, localPort: number, pids: number[]): number | undefined {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  const wanted = `0100007F:${hex(peerPort)} 0100007F:${hex(localPort)}`;
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((fields) => `${fields[1]} ${fields[2]}` === wanted);
  const inode = row?.[9];
  if (inode === undefined || inode === '0') return undefined;
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return pid;
      } catch {
        // closed while we looked
      }
    }
  }
  return undefined;
}
