import { connect, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startListeningApp } from '../helpers.js';

/** How long a test waits for the server to give up on a client before it fails. */
const WAIT_MS = 5000;

interface Outcome {
  /** What the server wrote before it closed, or null when it was still open at WAIT_MS. */
  received: string | null;
  elapsedMs: number;
}

/**
 * A raw connection to the listening app: `send` writes the first bytes, `drip` (when given) writes
 * one more byte at that interval, as a slow attacker does. Resolves when the server closes the
 * connection, or after WAIT_MS with `received: null`.
 */
function slowClient(base: string, send: string, dripMs?: number): Promise<Outcome> {
  const { hostname, port } = new URL(base);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket: Socket = connect(Number(port), hostname);
    onTestFinished(() => void socket.destroy());
    let received = '';
    let drip: NodeJS.Timeout | undefined;
    const done = (outcome: Outcome) => {
      clearInterval(drip);
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ received: null, elapsedMs: WAIT_MS }), WAIT_MS);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => done({ received, elapsedMs: Date.now() - started }));
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(send);
      if (dripMs !== undefined) {
        drip = setInterval(() => socket.writable && socket.write('a'), dripMs);
      }
    });
  });
}

const SLOW_BODY_HEAD =
  'POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
  'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n';

describe('slow clients', () => {
  it('answers a body sent a byte at a time with 408 once requestTimeoutMs has passed', async () => {
    const { base } = await startListeningApp({
      config: { http: { requestTimeoutMs: 500, connectionTimeoutMs: 60_000 } },
    });
    const outcome = await slowClient(base, SLOW_BODY_HEAD, 50);
    expect(outcome.received, 'the server kept the slow request open').not.toBeNull();
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
    // 500 ms, checked by Node every 125 ms; the rest is a busy machine's slack.
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(450);
    expect(outcome.elapsedMs).toBeLessThan(WAIT_MS);
  });

  it('closes a connection that goes silent for connectionTimeoutMs', async () => {
    const { base } = await startListeningApp({
      config: { http: { requestTimeoutMs: 60_000, connectionTimeoutMs: 300 } },
    });
    const outcome = await slowClient(base, 'POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(outcome.received, 'the server kept the silent connection open').not.toBeNull();
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(250);
  });

  it('still serves a client that sends its request at once', async () => {
    const { base } = await startListeningApp({ config: { http: { requestTimeoutMs: 500 } } });
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
  });
});
