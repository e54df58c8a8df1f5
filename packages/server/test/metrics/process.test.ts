import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { processDatabaseEnv } from '../dialect.js';
import { freePort } from '../helpers.js';
import {
  E2E_TIMEOUT_MS,
  START_TIMEOUT_MS,
  Sandbox,
  exchange,
  readCredentials,
} from '../e2e/harness.js';
import { PROMETHEUS_TEXT, value } from './scrapes.js';

/**
 * The TCP ports a process listens on, from /proc (Linux): its socket inodes matched against the
 * kernel's table of listening sockets. Undefined where there is no /proc.
 */
function listeningPorts(pid: number): number[] | undefined {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  const inodes = new Set<string>();
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is fields[1] (address:port in hex), st fields[3] (0A: LISTEN), inode [9].
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) {
        ports.push(parseInt(fields[1]!.split(':')[1]!, 16));
      }
    }
  }
  return [...new Set(ports)].sort((a, b) => a - b);
}

describe('patina-server serve and the metrics listener', () => {
  it(
    'listens on metrics.port beside the public port, serves the metrics, and closes both on SIGTERM',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const dataDir = sandbox.tempDir();
      const [port, metricsPort] = [await freePort(), await freePort()];
      const server = await sandbox.serve({
        PATINA_DATA_DIR: dataDir,
        PATINA_PORT: String(port),
        PATINA_METRICS_PORT: String(metricsPort),
      });
      const url = `http://127.0.0.1:${metricsPort}/metrics`;
      const listening = server.logLines.find((line) => line.msg === 'patina listening');
      expect(listening?.metrics).toBe(url);
      const ports = listeningPorts(server.child.pid!);
      if (ports) expect(ports).toEqual([port, metricsPort].sort((a, b) => a - b));

      const credentials = readCredentials(sandbox.bootstrapFile(dataDir));
      const exchanged = await exchange(
        credentials.tokenUrl,
        credentials.clientId,
        credentials.clientSecret,
      );
      expect(exchanged.status).toBe(200);
      const scrape = await fetch(url);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
      const text = await scrape.text();
      expect(value(text, 'patina_token_exchanges_total', { outcome: 'success' })).toBe(1);
      expect(
        value(text, 'patina_http_requests_total', {
          route: '/oauth/token',
          method: 'POST',
          status_class: '2xx',
        }),
      ).toBe(1);
      // The public listener has no /metrics.
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);

      expect(await server.stop()).toEqual({ code: 0, signal: null });
      await expect(fetch(url)).rejects.toThrow();
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'opens no metrics port when metrics.port is not set',
    async () => {
      const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
      const port = await freePort();
      const server = await sandbox.serve({
        PATINA_DATA_DIR: sandbox.tempDir(),
        PATINA_PORT: String(port),
      });
      const listening = server.logLines.find((line) => line.msg === 'patina listening');
      expect(listening).toBeDefined();
      expect(listening).not.toHaveProperty('metrics');
      const ports = listeningPorts(server.child.pid!);
      if (ports) expect(ports).toEqual([port]);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses to start when metrics.port is taken, naming the setting to change',
    async () => {
      const taken = createServer();
      const metricsPort = await new Promise<number>((resolve) =>
        taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
      );
      try {
        const sandbox = new Sandbox().useDatabase(await processDatabaseEnv());
        const result = await sandbox.run(['serve'], {
          PATINA_DATA_DIR: sandbox.tempDir(),
          PATINA_PORT: String(await freePort()),
          PATINA_METRICS_PORT: String(metricsPort),
        });
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(
          `patina: 127.0.0.1:${metricsPort} is already in use (another Patina?); choose a free port with metrics.port or PATINA_METRICS_PORT\n`,
        );
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    },
    START_TIMEOUT_MS + E2E_TIMEOUT_MS,
  );
});
