import { describe, expect, it, vi } from 'vitest';
import { processDatabaseEnv } from '../dialect.js';
import { freePort } from '../helpers.js';
import {
  accessToken,
  E2E_TIMEOUT_MS,
  exchange,
  readCredentials,
  Sandbox,
  START_TIMEOUT_MS,
} from '../e2e/harness.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

describe('the pretty log format of the real process', () => {
  it(
    'writes readable lines that hold no secret, token or query string, and the last line on exit',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = sandbox.tempDir();
      const port = await freePort();
      const server = sandbox.spawn(['serve'], {
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: String(port),
        PATINA_LOG_LEVEL: 'info',
        PATINA_LOG_FORMAT: 'pretty',
      });
      const text = () => server.stdout.replace(ANSI, '');
      await vi.waitFor(() => expect(text()).toContain('INFO: patina listening'), {
        timeout: START_TIMEOUT_MS,
        interval: 50,
      });
      const baseUrl = `http://127.0.0.1:${port}`;
      const credentials = readCredentials(sandbox.bootstrapFile(dataDir));
      const token = await accessToken(credentials);
      // Credentials where people put them by mistake: the query string, a path segment.
      const wrong = await fetch(
        `${baseUrl}/oauth/token?client_secret=${credentials.clientSecret}`,
        { method: 'POST' },
      );
      expect(wrong.status).toBe(400);
      await fetch(`${baseUrl}/v3/personal-access-tokens/${credentials.clientSecret}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect((await exchange(credentials.tokenUrl, credentials.clientId, 'patina_x')).status).toBe(
        401,
      );
      await vi.waitFor(() => expect(text()).toContain('"statusCode":401'), { interval: 50 });

      expect(await server.stop()).toEqual({ code: 0, signal: null });
      const lines = text().split('\n').filter(Boolean);
      expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
      expect(lines.at(-1)).toMatch(/^\[\d{4}-\d\d-\d\d [\d:.]+\] INFO: stopped$/);
      expect(text()).toMatch(
        /INFO: request \{"reqId":"[0-9a-f]{32}","method":"POST","path":"\/oauth\/token"/,
      );
      expect(text()).toContain('"path":"/v3/personal-access-tokens/…"');
      expect(text()).not.toContain(credentials.clientSecret);
      expect(text()).not.toContain(token);
      expect(text()).not.toContain('client_secret');
    },
    E2E_TIMEOUT_MS,
  );
});
