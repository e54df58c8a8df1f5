import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SERVICE_UNAVAILABLE, V3 } from '../helpers.js';
import { pollUntil } from '../poll.js';
import {
  type Answer,
  Cluster,
  CLUSTER_TIMEOUT_MS,
  type ClusterNode,
  isSailPointError,
  PrivatePostgres,
} from './harness.js';

/** How long the database stays down: long enough for every kind of request to meet the outage. */
const OUTAGE_MS = 2000;
/** "Within a few seconds" of the database coming back, both nodes answer every request again. */
const RECOVERY_DEADLINE_MS = 10_000;

type Kind = 'exchange' | 'api';

interface Outcome {
  node: number;
  kind: Kind;
  sentAtMs: number;
  status: number;
  body: unknown;
  error?: string;
}

/** Whether an answer is one the outage allows: success, or the documented 503 of its kind. */
function acceptable(kind: Kind, answer: Pick<Answer, 'status' | 'body'>): boolean {
  if (answer.status === 200) return true;
  if (answer.status !== 503) return false;
  if (kind === 'api') return isSailPointError(answer, 503, SERVICE_UNAVAILABLE);
  return (answer.body as { error?: unknown } | null)?.error === 'temporarily_unavailable';
}

/**
 * Requests sent one after another until stopped: token exchanges, or authenticated GETs with an
 * access token minted before the outage. Every answer (or failure to get one) is recorded.
 */
function traffic(
  nodes: ClusterNode[],
  credentials: { clientId: string; clientSecret: string },
  tokens: string[],
) {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const start = performance.now();
  const loop = async (index: number, kind: Kind) => {
    const node = nodes[index]!;
    while (!stopped) {
      const sentAtMs = performance.now() - start;
      try {
        const answer =
          kind === 'exchange'
            ? await node.exchange(credentials.clientId, credentials.clientSecret)
            : await node.request('GET', `${V3}?owner-id=me&limit=1`, { token: tokens[index] });
        outcomes.push({
          node: index + 1,
          kind,
          sentAtMs,
          status: answer.status,
          body: answer.body,
        });
      } catch (error) {
        outcomes.push({
          node: index + 1,
          kind,
          sentAtMs,
          status: 0,
          body: null,
          error: (error as Error).message,
        });
      }
      await sleep(20);
    }
  };
  const loops = nodes.flatMap((_, i) => [loop(i, 'exchange'), loop(i, 'api')]);
  return {
    outcomes,
    now: () => performance.now() - start,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** The status of GET /ready; a node that died fails the test with its output. */
async function ready(node: ClusterNode): Promise<number> {
  try {
    return (await node.request('GET', '/ready')).status;
  } catch (error) {
    await sleep(200); // let the exit be seen
    expect(node.running, `node on port ${node.port} is gone\n${node.process.output}`).toBe(true);
    throw error;
  }
}

describe('a database restart in the middle of traffic', () => {
  it(
    'is answered with 503s, never a crash or a 500, and both nodes recover on their own',
    async () => {
      const server = await PrivatePostgres.start();
      const cluster = new Cluster(await server.createDatabase('patina'));
      const node1 = await cluster.start();
      const node2 = await cluster.start();
      const nodes = [node1, node2];
      const credentials = cluster.adminCredentials();
      const tokens = [await node1.accessToken(credentials), await node2.accessToken(credentials)];
      for (const node of nodes) expect(await ready(node)).toBe(200);

      const load = traffic(nodes, credentials, tokens);
      await sleep(500);

      const downAt = load.now();
      await server.stopServer('fast');
      // While the database is down, both nodes say so on /ready.
      for (const node of nodes) {
        const { met } = await pollUntil(async () => (await ready(node)) === 503, 10_000, 100);
        expect(
          met,
          `node on port ${node.port} answered /ready 503 while the database was down`,
        ).toBe(true);
      }
      await sleep(OUTAGE_MS);
      await server.startServer();
      const upAt = load.now();

      // Both nodes come back by themselves: /ready, then every request of the traffic.
      for (const node of nodes) {
        const { met, elapsedMs } = await pollUntil(
          async () => (await ready(node)) === 200,
          RECOVERY_DEADLINE_MS,
          100,
        );
        expect(met, `node on port ${node.port} ready again after the restart`).toBe(true);
        console.log(
          `node on port ${node.port}: /ready 200 ${elapsedMs.toFixed(0)} ms after the restart`,
        );
      }
      const recoveredAt = load.now();
      await sleep(1500);
      await load.stop();

      const { outcomes } = load;
      const during = outcomes.filter((o) => o.sentAtMs >= downAt && o.sentAtMs < upAt);
      const unavailable = outcomes.filter((o) => o.status === 503);
      const lastUnavailable = Math.max(...unavailable.map((o) => o.sentAtMs)) - upAt;
      console.log(
        `${outcomes.length} requests, ${during.length} sent while the database was down, ` +
          `${unavailable.length} answered 503, the last one sent ${lastUnavailable.toFixed(0)} ms ` +
          'from the restart',
      );
      // The outage was met: each kind of request on each node was refused at least once.
      for (const node of [1, 2]) {
        for (const kind of ['exchange', 'api'] as const) {
          expect(
            unavailable.some((o) => o.node === node && o.kind === kind),
            `a 503 for ${kind} on node ${node}`,
          ).toBe(true);
        }
      }
      // Never anything but success or the documented 503, and never a dropped connection.
      const wrong = outcomes
        .filter((o) => o.status === 0 || !acceptable(o.kind, o))
        .map((o) => `node ${o.node} ${o.kind}: ${o.status} ${o.error ?? JSON.stringify(o.body)}`);
      expect(wrong, 'answers other than 200 or the documented 503').toEqual([]);
      // Once ready again, every request on both nodes succeeds.
      const after = outcomes.filter((o) => o.sentAtMs >= recoveredAt);
      expect(after.length).toBeGreaterThan(0);
      expect(
        after.filter((o) => o.status !== 200).map((o) => `node ${o.node} ${o.kind}: ${o.status}`),
        'failures after both nodes were ready again',
      ).toEqual([]);
      for (const [i, node] of nodes.entries()) {
        expect(await node.exchange(credentials.clientId, credentials.clientSecret)).toMatchObject({
          status: 200,
        });
        expect((await node.request('GET', V3, { token: tokens[i] })).status).toBe(200);
      }

      // Both processes lived through it, and neither logged a failed request (a 500).
      for (const node of nodes) {
        expect(node.running, node.process.output).toBe(true);
        const failures = node.process.logLines.filter(
          (line) => (line.statusCode ?? 0) >= 500 && line.statusCode !== 503,
        );
        expect(failures).toEqual([]);
        expect(
          node.process.logLines.filter((line) => line.level === 50 || line.level === 60),
        ).toEqual([]);
      }
    },
    CLUSTER_TIMEOUT_MS,
  );
});
