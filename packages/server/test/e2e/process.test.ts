import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/storage/migrate.js';
import { DIALECT, processDatabaseEnv } from '../dialect.js';
import { freePort } from '../helpers.js';
import {
  E2E_TIMEOUT_MS,
  START_TIMEOUT_MS,
  LIFECYCLE_MESSAGES,
  type Credentials,
  Sandbox,
  exchange,
  accessToken,
  readCredentials,
} from './harness.js';

describe('the patina process', () => {
  it(
    'starts, bootstraps an administrator, serves requests, logs them and stops on SIGTERM',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = sandbox.tempDir();
      const port = await freePort();
      const server = await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port) });
      const baseUrl = `http://127.0.0.1:${port}`;

      const file = sandbox.bootstrapFile(dataDir);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      if (DIALECT === 'sqlite') {
        expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
      } else {
        // With PostgreSQL the key is PATINA_MASTER_KEY, shared by every node; no file is made.
        expect(existsSync(join(dataDir, 'master.key'))).toBe(false);
      }
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
      // The start log says once where to go next, and with what.
      const listening = server.logLines.filter((line) => line.msg === 'patina listening');
      expect(listening).toHaveLength(1);
      expect(listening[0]).toMatchObject({
        console: `${baseUrl}/ui/`,
        next: `open ${baseUrl}/ui/ and sign in with the client id and secret in ${file}`,
      });

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
      // token, create, refused create; the passing health check is logged at debug only
      expect(requestLines.map((line) => [line.path, line.statusCode])).toEqual([
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
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = sandbox.tempDir();
      const port = await freePort();
      const first = await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port) });
      const file = sandbox.bootstrapFile(dataDir);
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
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = sandbox.tempDir();
      const port = await freePort();
      const server = await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port) });
      const bootstrap = readCredentials(sandbox.bootstrapFile(dataDir));

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

      // An empty database: a new data directory, or a new PostgreSQL database.
      const freshDir = join(sandbox.tempDir(), 'fresh');
      const fresh = await sandbox.run(
        ['migrate', '--data-dir', freshDir],
        await processDatabaseEnv(),
      );
      expect(fresh).toEqual({
        code: 0,
        signal: null,
        // Every migration, in order, on an empty database.
        stdout: `Applied: ${Object.keys(MIGRATIONS).join(', ')}\n`,
        stderr: '',
      });
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'rotates the signing key with `keys rotate` and lists keys with `keys list`',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = join(sandbox.tempDir(), 'keys');
      expect((await sandbox.run(['migrate', '--data-dir', dataDir])).code).toBe(0);
      const list = async () => {
        const result = await sandbox.run(['keys', 'list', '--data-dir', dataDir]);
        expect(result.code).toBe(0);
        return JSON.parse(result.stdout) as { kid: string; alg: string; status: string }[];
      };
      const [first] = await list();
      expect(first).toMatchObject({ alg: 'ES256', status: 'signing' });

      const rotated = await sandbox.run([
        'keys',
        'rotate',
        '--data-dir',
        dataDir,
        '--algorithm',
        'EdDSA',
      ]);
      expect(rotated.code).toBe(0);
      const key = JSON.parse(rotated.stdout) as { kid: string; alg: string; status: string };
      expect(key).toMatchObject({ alg: 'EdDSA', status: 'signing', verifyUntil: null });
      expect((await list()).map((k) => [k.kid, k.status])).toEqual([
        [key.kid, 'signing'],
        [first!.kid, 'verifying'],
      ]);

      const refused = await sandbox.run([
        'keys',
        'rotate',
        '--data-dir',
        dataDir,
        '--algorithm',
        'HS256',
      ]);
      expect(refused).toMatchObject({
        code: 1,
        stderr: 'patina: --algorithm must be one of ES256, EdDSA, RS256\n',
      });
      expect(await list()).toHaveLength(2);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses to start on a bad config file, naming the setting',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
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

  it.each([
    ['missing', {}, 'PostgreSQL needs these settings: masterKey (PATINA_MASTER_KEY)'],
    [
      'malformed',
      { PATINA_MASTER_KEY: 'not-32-bytes' },
      'masterKey (PATINA_MASTER_KEY) must be 32 random bytes, base64-encoded',
    ],
  ])(
    'refuses to start on PostgreSQL with a %s master key, saying how to fix it',
    async (_, env, message) => {
      const sandbox = new Sandbox();
      const dataDir = join(sandbox.tempDir(), 'data');
      const result = await sandbox.run(['serve'], {
        PATINA_DATA_DIR: dataDir,
        // Never reached: the configuration is refused before any connection is made.
        PATINA_DATABASE_URL: 'postgres://patina@127.0.0.1:1/patina',
        ...env,
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain('not-32-bytes');
      expect(existsSync(dataDir)).toBe(false);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses to start on a port that is not a number, naming the port',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = join(sandbox.tempDir(), 'data');
      const result = await sandbox.run(['serve'], {
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: 'abc',
      });
      expect(result).toEqual({
        code: 1,
        signal: null,
        stdout: '',
        stderr: 'patina: Invalid configuration in settings: port (PATINA_PORT) must be integer\n',
      });
      expect(existsSync(dataDir)).toBe(false);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses a port in use before it migrates or writes anything, saying how to choose another',
    async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const port = (taken.address() as { port: number }).port;
      try {
        const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
        const dataDir = join(sandbox.tempDir(), 'data');
        const result = await sandbox.run(['serve'], {
          PATINA_DATA_DIR: dataDir,
          PATINA_PORT: String(port),
        });
        expect(result).toEqual({
          code: 1,
          signal: null,
          stdout: '',
          stderr: `patina: 127.0.0.1:${port} is already in use (another Patina?); choose a free port with --port <port> or PATINA_PORT\n`,
        });
        // No database, no credentials file: nothing was done before the port was tried.
        expect(existsSync(dataDir)).toBe(false);
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'warns of a misspelt PATINA_ variable, naming the one it most likely meant',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = sandbox.tempDir();
      const server = await sandbox.serve({
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: String(await freePort()),
        PATINA_LOG_LEVL: 'debug',
      });
      expect(server.logLines.filter((line) => line.level === 40).map((line) => line.msg)).toEqual([
        'PATINA_LOG_LEVL is not a Patina variable and is ignored; did you mean PATINA_LOG_LEVEL?',
      ]);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    },
    E2E_TIMEOUT_MS,
  );

  it.runIf(DIALECT === 'sqlite')('prints its version and, in its help, examples', async () => {
    const sandbox = new Sandbox();
    const { version } = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(await sandbox.run(['--version'])).toEqual({
      code: 0,
      signal: null,
      stdout: `${version}\n`,
      stderr: '',
    });
    const help = await sandbox.run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:\n  patina-server serve ');
    expect(help.stdout).toContain('patina-server admin token > admin.json');
    const serveHelp = await sandbox.run(['serve', '--help']);
    expect(serveHelp.stdout).toContain('Examples:\n  patina-server serve\n');
  });
});
