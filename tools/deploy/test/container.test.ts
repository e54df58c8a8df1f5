import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, docker, dockerAvailable, freePort, until } from './docker.js';

/**
 * The image as an operator runs it (README, "The container image"): built from the real
 * Dockerfile, run with --network host (test traffic stays on 127.0.0.1), data in a volume.
 */
const TAG = 'patina:deploy-test';
const run = promisify(execFile);
const suffix = randomBytes(4).toString('hex');
const containers: string[] = [];
const volumes: string[] = [];

interface Credentials {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

interface Started {
  name: string;
  base: string;
}

async function start(options: {
  port?: number;
  env?: Record<string, string>;
  args?: string[];
}): Promise<Started> {
  const port = options.port ?? (await freePort());
  const name = `patina-test-${suffix}-${containers.length}`;
  containers.push(name);
  const env = Object.entries({ PATINA_PORT: String(port), ...options.env }).flatMap(([k, v]) => [
    '-e',
    `${k}=${v}`,
  ]);
  await docker([
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'host',
    ...env,
    ...(options.args ?? []),
    TAG,
  ]);
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(name, base);
  return { name, base };
}

async function waitHealthy(name: string, base: string): Promise<void> {
  await until(`${name} to answer /health`, async () => {
    const state = (await docker(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim();
    if (state === 'exited') {
      const logs = await docker(['logs', name]);
      throw new Error(`${name} exited: ${logs.stdout}${logs.stderr}`);
    }
    const response = await fetch(`${base}/health`);
    return response.ok ? true : undefined;
  });
}

/** `patina-server admin token` inside the container: recovery credentials, as the README says. */
async function adminToken(name: string): Promise<Credentials> {
  const { stdout } = await docker(['exec', name, 'patina-server', 'admin', 'token']);
  return JSON.parse(stdout) as Credentials;
}

async function accessToken(
  base: string,
  clientId: string,
  clientSecret: string,
): Promise<Response> {
  return fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }),
  });
}

async function bearer(base: string, credentials: Credentials): Promise<string> {
  const response = await accessToken(base, credentials.clientId, credentials.clientSecret);
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function api(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const enabled = dockerAvailable();

describe.skipIf(!enabled)('the container image', () => {
  beforeAll(async () => {
    await buildImage(TAG);
  });

  afterAll(async () => {
    for (const name of containers) await docker(['rm', '-f', '-v', name]).catch(() => undefined);
    for (const volume of volumes)
      await docker(['volume', 'rm', '-f', volume]).catch(() => undefined);
  });

  it('holds no build tools, dev dependencies, tests or build-time certificates', async () => {
    const inspect = JSON.parse((await docker(['image', 'inspect', TAG])).stdout) as [
      { Size: number; Config: { User: string; Env: string[]; Healthcheck?: { Test: string[] } } },
    ];
    const config = inspect[0].Config;
    expect(config.User).toBe('10001:10001');
    expect(config.Healthcheck?.Test.join(' ')).toContain('/health');
    expect(config.Env.filter((e) => /CA_CERTS|cafile/i.test(e))).toEqual([]);
    console.info(`image ${TAG}: ${(inspect[0].Size / 1e6).toFixed(0)} MB`);

    const probe = await docker([
      'run',
      '--rm',
      '--network',
      'host',
      '--entrypoint',
      'sh',
      TAG,
      '-c',
      [
        'command -v g++ make python3 npm || true',
        'ls /opt/patina/node_modules | grep -x -e typescript -e vitest -e vite -e eslint -e react || true',
        'find /opt/patina/packages -name "*.test.*" -o -name test -o -name "*.ts" ! -name "*.d.ts" | head -3',
        'ls /tmp/extra-ca /tmp/trusted-ca.pem 2>/dev/null || true',
        'ls /opt/patina/packages',
      ].join('; '),
    ]);
    // Only the three packages the server runs from remain; nothing else was printed.
    expect(probe.stdout.trim().split('\n')).toEqual(['console', 'contract', 'server']);
  });

  it('serves on SQLite in its volume: exchange, create, list, delete; the data survives a restart', async () => {
    const volume = `patina-test-${suffix}`;
    volumes.push(volume);
    const node = await start({ args: ['-v', `${volume}:/data`] });

    // The bootstrap credentials are in /data, readable by the service's user only.
    const mode = await docker([
      'exec',
      node.name,
      'stat',
      '-c',
      '%a %u',
      '/data/bootstrap-credentials.json',
    ]);
    expect(mode.stdout.trim()).toBe('600 10001');

    const admin = await adminToken(node.name);
    const token = await bearer(node.base, admin);
    const created = await api(node.base, token, 'POST', '/v3/personal-access-tokens', {
      name: 'kept across restarts',
      scope: ['sp:my-personal-access-tokens:read'],
    });
    expect(created.status).toBe(200);
    const pat = (await created.json()) as { id: string; secret: string };
    const doomed = (await (
      await api(node.base, token, 'POST', '/v3/personal-access-tokens', {
        name: 'deleted',
        scope: ['sp:my-personal-access-tokens:read'],
      })
    ).json()) as { id: string };
    const listed = (await (
      await api(node.base, token, 'GET', '/v3/personal-access-tokens?owner-id=me')
    ).json()) as {
      name: string;
    }[];
    expect(listed.map((p) => p.name)).toEqual(
      expect.arrayContaining(['kept across restarts', 'deleted']),
    );
    expect(
      (await api(node.base, token, 'DELETE', `/v3/personal-access-tokens/${doomed.id}`)).status,
    ).toBe(204);

    // docker stop sends SIGTERM: the process drains and exits 0, well within the 10 s grace.
    const stopStarted = Date.now();
    await docker(['stop', '-t', '10', node.name]);
    expect(Date.now() - stopStarted).toBeLessThan(10_000);
    expect((await docker(['inspect', '-f', '{{.State.ExitCode}}', node.name])).stdout.trim()).toBe(
      '0',
    );

    await docker(['start', node.name]);
    await waitHealthy(node.name, node.base);
    expect((await accessToken(node.base, pat.id, pat.secret)).status).toBe(200);
    const after = (await (
      await api(
        node.base,
        await bearer(node.base, admin),
        'GET',
        '/v3/personal-access-tokens?owner-id=me',
      )
    ).json()) as {
      name: string;
    }[];
    expect(after.map((p) => p.name)).toContain('kept across restarts');
    expect(after.map((p) => p.name)).not.toContain('deleted');
  });

  it('runs with a read-only root file system', async () => {
    const volume = `patina-test-${suffix}-ro`;
    volumes.push(volume);
    const node = await start({ args: ['--read-only', '--tmpfs', '/tmp', '-v', `${volume}:/data`] });
    const admin = await adminToken(node.name);
    await bearer(node.base, admin);
  });

  it('runs on the PostgreSQL at 127.0.0.1 with PATINA_DATABASE_URL', async () => {
    const database = `patina_container_${suffix}`;
    await run('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-c', `CREATE DATABASE ${database}`]);
    try {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const volume = `patina-test-${suffix}-pg`;
      volumes.push(volume);
      const node = await start({
        port,
        env: {
          PATINA_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
          PATINA_MASTER_KEY: randomBytes(32).toString('base64'),
          PATINA_PUBLIC_BASE_URL: base,
        },
        args: ['-v', `${volume}:/data`],
      });
      expect((await fetch(`${node.base}/ready`)).status).toBe(200);
      const admin = await adminToken(node.name);
      const token = await bearer(node.base, admin);
      const created = await api(node.base, token, 'POST', '/v3/personal-access-tokens', {
        name: 'on postgres',
        scope: ['sp:my-personal-access-tokens:read'],
      });
      expect(created.status).toBe(200);
      const rows = await run('psql', [
        '-h',
        '127.0.0.1',
        '-U',
        'postgres',
        '-d',
        database,
        '-tAc',
        "SELECT name FROM personal_access_tokens WHERE name = 'on postgres'",
      ]);
      expect(rows.stdout.trim()).toBe('on postgres');
      await docker(['stop', '-t', '10', node.name]);
      expect(
        (await docker(['inspect', '-f', '{{.State.ExitCode}}', node.name])).stdout.trim(),
      ).toBe('0');
    } finally {
      await run('psql', [
        '-h',
        '127.0.0.1',
        '-U',
        'postgres',
        '-c',
        `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`,
      ]);
    }
  });
});
