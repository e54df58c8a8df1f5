import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIALECT, processDatabaseEnv } from '../dialect.js';
import { freePort } from '../helpers.js';
import {
  accessToken,
  E2E_TIMEOUT_MS,
  exchange,
  readCredentials,
  Sandbox,
  type Credentials,
} from './harness.js';

/**
 * `admin token` is the way back in when the administrator's credentials are lost: it must work
 * when the administrator already holds policy.maxTokensPerOwner PATs, and repeated runs must not
 * pile up PATs.
 */
describe('admin recovery at the PAT limit', () => {
  it(
    'mints a recovery PAT past the owner limit, and each run replaces the one before',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = sandbox.tempDir();
      const config = join(sandbox.tempDir(), 'patina.json');
      writeFileSync(config, JSON.stringify({ policy: { maxTokensPerOwner: 2 } }));
      const port = await freePort();
      const env = { PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port), PATINA_CONFIG: config };
      const server = await sandbox.serve(env);
      const bootstrap = readCredentials(sandbox.bootstrapFile(dataDir));

      // The administrator fills the limit: the bootstrap PAT and one more.
      const token = await accessToken(bootstrap);
      const made = await fetch(`${bootstrap.baseUrl}/v3/personal-access-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'second' }),
      });
      expect(made.status).toBe(200);
      const third = await fetch(`${bootstrap.baseUrl}/v3/personal-access-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'third' }),
      });
      expect(third.status).toBe(400);

      const first = await sandbox.run(['admin', 'token'], env);
      expect(first.code, first.stderr).toBe(0);
      const recovered = JSON.parse(first.stdout) as Credentials;
      await accessToken(recovered);
      expect(first.stderr).toBe(
        `Made recovery PAT ${recovered.clientId} for admin.\n` +
          'Recovery PATs do not count against policy.maxTokensPerOwner; each run replaces the last.\n',
      );

      const second = await sandbox.run(['admin', 'token'], env);
      expect(second.code, second.stderr).toBe(0);
      const again = JSON.parse(second.stdout) as Credentials;
      expect(second.stderr).toContain(
        `Made recovery PAT ${again.clientId} for admin; it replaces the earlier recovery PAT ${recovered.clientId}, now deleted.`,
      );
      await accessToken(again);
      // The replaced recovery PAT no longer exchanges; the administrator's own PATs still do.
      expect(
        (await exchange(recovered.tokenUrl, recovered.clientId, recovered.clientSecret)).status,
      ).toBe(401);
      await accessToken(bootstrap);
      for (const run of [first, second]) expect(run.stderr).not.toContain(recovered.clientSecret);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    },
    E2E_TIMEOUT_MS,
  );
});

describe('the bootstrap credentials file', () => {
  it(
    'follows a restart on another port, and each start says where the credentials are',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = sandbox.tempDir();
      const file = sandbox.bootstrapFile(dataDir);
      const first = await sandbox.serve({
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: String(await freePort()),
      });
      expect(first.logLines.find((l) => l.file === file)?.msg).toBe(
        'first start: administrator credentials written',
      );
      const before = readCredentials(file);
      expect(await first.stop()).toEqual({ code: 0, signal: null });

      const port = await freePort();
      const second = await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port) });
      expect(second.logLines.find((l) => l.file === file)?.msg).toBe(
        "administrator credentials file updated to this start's URL",
      );
      const after = readCredentials(file);
      expect(after).toEqual({
        ...before,
        baseUrl: `http://127.0.0.1:${port}`,
        tokenUrl: `http://127.0.0.1:${port}/oauth/token`,
      });
      expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
      await accessToken(after);
      expect(second.output).not.toContain(after.clientSecret);
      expect(await second.stop()).toEqual({ code: 0, signal: null });

      const third = await sandbox.serve({ PATINA_DATA_DIR: dataDir, PATINA_PORT: String(port) });
      expect(third.logLines.find((l) => l.file === file)?.msg).toBe(
        'administrator credentials are in this file',
      );
      expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(after, null, 2) + '\n');
      expect(await third.stop()).toEqual({ code: 0, signal: null });
    },
    E2E_TIMEOUT_MS,
  );

  it.runIf(DIALECT === 'postgres')(
    'is written by the node that made the administrator; another node says where it went',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const one = await sandbox.serve({
        PATINA_DATA_DIR: sandbox.tempDir(),
        PATINA_PORT: String(await freePort()),
      });
      const otherDir = sandbox.tempDir();
      const two = await sandbox.serve({
        PATINA_DATA_DIR: otherDir,
        PATINA_PORT: String(await freePort()),
      });
      expect(two.logLines.find((l) => typeof l.file === 'string')).toMatchObject({
        file: sandbox.bootstrapFile(otherDir),
        msg: 'administrator credentials were made earlier, by another node or start; lost them? run `patina-server admin token`',
      });
      expect(await two.stop()).toEqual({ code: 0, signal: null });
      expect(await one.stop()).toEqual({ code: 0, signal: null });
    },
    E2E_TIMEOUT_MS,
  );

  it.runIf(DIALECT === 'postgres')(
    'of a SQLite start is left alone by a PostgreSQL start from the same data directory',
    async () => {
      const sqlite = new Sandbox();
      const dataDir = sqlite.tempDir();
      const first = await sqlite.serve({
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: String(await freePort()),
      });
      expect(await first.stop()).toEqual({ code: 0, signal: null });
      const sqliteFile = sqlite.bootstrapFile(dataDir);
      const before = readFileSync(sqliteFile, 'utf8');

      const postgres = new Sandbox().useDatabase(await processDatabaseEnv());
      const second = await postgres.serve({
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: String(await freePort()),
      });
      const postgresFile = postgres.bootstrapFile(dataDir);
      expect(postgresFile).not.toBe(sqliteFile);
      expect(second.logLines.find((l) => l.file === postgresFile)?.msg).toBe(
        'first start: administrator credentials written',
      );
      expect(statSync(postgresFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(sqliteFile, 'utf8')).toBe(before);
      // Each file holds credentials its own database accepts.
      const credentials = readCredentials(postgresFile);
      expect(
        (await exchange(credentials.tokenUrl, credentials.clientId, credentials.clientSecret))
          .status,
      ).toBe(200);
      expect(await second.stop()).toEqual({ code: 0, signal: null });
    },
    E2E_TIMEOUT_MS,
  );
});
