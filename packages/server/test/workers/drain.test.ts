import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DIALECT } from '../dialect.js';
import { alive, WorkerNode, WORKERS_TIMEOUT_MS, workerSlots } from './harness.js';

const IN_FLIGHT = 20;

/**
 * A token exchange whose headers the worker has read (it answered `100 Continue`) but whose body
 * is still to come: a request the worker accepted and has in flight. `finish` sends the body.
 */
function exchangeInFlight(port: number, body: string) {
  let accept!: () => void;
  let refuse!: (error: Error) => void;
  const accepted = new Promise<void>((resolve, reject) => {
    accept = resolve;
    refuse = reject;
  });
  const req = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/oauth/token',
    agent: false,
    headers: {
      connection: 'close',
      expect: '100-continue',
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
    },
  });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('continue', () => accept());
    req.on('error', (error) => {
      refuse(error);
      reject(error);
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
  });
  // Failures are asserted through `answer`; `accepted` alone must not be an unhandled rejection.
  accepted.catch(() => undefined);
  return { accepted, answer, finish: () => req.end(body) };
}

describe.skipIf(DIALECT === 'postgres')('SIGTERM of a node with workers (SQLite)', () => {
  it(
    'answers every request in flight in full, then the primary exits 0 and no worker remains',
    async () => {
      const node = await WorkerNode.start({ workers: 2 });
      const { clientId, clientSecret } = node.credentials();
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }).toString();
      const pids = node.startPids;

      const requests = Array.from({ length: IN_FLIGHT }, () => exchangeInFlight(node.port, body));
      await Promise.all(requests.map((r) => r.accepted));
      node.process.child.kill('SIGTERM');
      await node.process.waitForLog(
        (line) => line.msg === 'shutting down: draining every worker',
        10_000,
      );
      // Every worker heard it and began to drain before the bodies arrive.
      await node.process.waitForLog(
        () =>
          new Set(
            node.process.logLines
              .filter((l) => l.msg === 'shutting down: draining in-flight requests')
              .map((l) => l.worker),
          ).size === 2,
        10_000,
      );
      for (const r of requests) r.finish();
      const answers = await Promise.all(requests.map((r) => r.answer));
      for (const answer of answers) {
        expect(answer.status, answer.text.slice(0, 200)).toBe(200);
        const parsed = JSON.parse(answer.text) as { access_token?: unknown; token_type?: unknown };
        expect(typeof parsed.access_token).toBe('string');
      }

      expect(await node.process.exited(15_000)).toEqual({ code: 0, signal: null });
      expect(node.process.logLines.at(-1)).toMatchObject({ msg: 'stopped' });
      expect(node.process.logLines.at(-1)?.worker).toBeUndefined();
      for (const pid of pids) expect(alive(pid), `worker ${pid}`).toBe(false);
      // Both workers had requests in flight.
      const answeredBy = node
        .requestLines()
        .filter((line) => line.path === '/oauth/token' && line.statusCode === 200)
        .map((line) => line.worker);
      expect(answeredBy).toHaveLength(IN_FLIGHT);
      expect([...new Set(answeredBy)].sort()).toEqual(workerSlots(2));
    },
    WORKERS_TIMEOUT_MS,
  );
});
