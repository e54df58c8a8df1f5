import { describe, expect, it } from 'vitest';
import { V3 } from '../helpers.js';
import {
  ADMIN,
  Cluster,
  CLUSTER_TIMEOUT_MS,
  type ClusterNode,
  type CreatedPat,
} from './harness.js';

const BURST = 200;
const IN_FLIGHT = 10;
const KILL_AFTER_ACKS = 50;

interface Burst {
  sent: Set<string>;
  acknowledged: CreatedPat[];
  /** Answers other than 200 from before the kill: there must be none. */
  refused: string[];
}

/**
 * BURST creates with distinct names against `node`, IN_FLIGHT at a time; once KILL_AFTER_ACKS
 * were answered 200 the process gets SIGKILL, with the other creates still in flight. What was
 * sent and what was acknowledged, to compare with what the database holds afterwards.
 */
async function burstThenKill(node: ClusterNode, token: string): Promise<Burst> {
  const burst: Burst = { sent: new Set(), acknowledged: [], refused: [] };
  let next = 0;
  let killed = false;
  const worker = async () => {
    while (next < BURST && !killed) {
      const name = `burst ${String(next++).padStart(3, '0')}`;
      burst.sent.add(name);
      let answer;
      try {
        answer = await node.request('POST', V3, { token, json: { name } });
      } catch {
        // The connection died with the process: this create was never acknowledged.
        if (!killed) burst.refused.push(`${name}: connection failed before the kill`);
        return;
      }
      if (answer.status === 200) {
        // A 200 that arrives after the signal was still sent after the commit: it counts too.
        burst.acknowledged.push(answer.body as CreatedPat);
      } else if (!killed) {
        burst.refused.push(`${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      if (!killed && burst.acknowledged.length >= KILL_AFTER_ACKS) {
        killed = true;
        node.process.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const exit = await node.process.exited(10_000);
  expect(exit.signal).toBe('SIGKILL');
  return burst;
}

/**
 * After the kill, seen through `node`: every acknowledged create is there and its secret still
 * exchanges; every PAT listed is one that was sent (or the bootstrap one), once; and each PAT
 * came with its audit event, and each audit event with its PAT (a create is all or nothing).
 */
async function expectAcknowledgedCreatesKept(
  node: ClusterNode,
  token: string,
  burst: Burst,
  bootstrapId: string,
) {
  expect(burst.refused).toEqual([]);
  expect(burst.acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
  const listed = await node.listAll(`${V3}?owner-id=me`, token);
  const fromBurst = listed.filter((p) => p.id !== bootstrapId);
  const names = fromBurst.map((p) => p.name);
  expect(new Set(names).size, 'PATs listed twice').toBe(names.length);
  expect(
    names.filter((n) => !burst.sent.has(n)),
    'PATs with names never sent',
  ).toEqual([]);
  const listedIds = new Set(listed.map((p) => p.id));
  const lost = burst.acknowledged.filter((p) => !listedIds.has(p.id)).map((p) => p.name);
  expect(lost, 'acknowledged creates missing after the kill').toEqual([]);
  console.log(
    `kill -9 mid-burst: ${burst.sent.size} sent, ${burst.acknowledged.length} acknowledged, ` +
      `${fromBurst.length} present afterwards`,
  );

  const events = await node.listAll<{ target: { id: string } }>(
    `${ADMIN}/audit-events?type=PERSONAL_ACCESS_TOKEN_CREATED`,
    token,
  );
  const audited = new Set(events.map((e) => e.target.id));
  expect(
    fromBurst.filter((p) => !audited.has(p.id)).map((p) => p.name),
    'PATs without their audit event',
  ).toEqual([]);
  expect(
    [...audited].filter((id) => id !== bootstrapId && !listedIds.has(id)),
    'audit events of PATs that do not exist',
  ).toEqual([]);

  for (const pat of burst.acknowledged) {
    const exchanged = await node.exchange(pat.id, pat.secret);
    expect(exchanged.status, `exchange of acknowledged PAT '${pat.name}'`).toBe(200);
  }
}

describe('a node killed with SIGKILL in the middle of a burst of creates', () => {
  it(
    'loses no acknowledged create and leaves nothing half-written (PostgreSQL, seen from node 2)',
    async () => {
      const cluster = await Cluster.onFreshDatabase();
      const node1 = await cluster.start();
      const node2 = await cluster.start();
      const credentials = cluster.adminCredentials();
      const burst = await burstThenKill(node1, await node1.accessToken(credentials));
      expect(node2.running).toBe(true);
      const token = await node2.accessToken(credentials);
      await expectAcknowledgedCreatesKept(node2, token, burst, credentials.clientId);
    },
    CLUSTER_TIMEOUT_MS,
  );

  it(
    'loses no acknowledged create and leaves nothing half-written (SQLite, after a restart)',
    async () => {
      const cluster = new Cluster(null);
      const first = await cluster.start();
      const credentials = cluster.adminCredentials();
      const burst = await burstThenKill(first, await first.accessToken(credentials));
      const restarted = await cluster.start({ dataDir: first.dataDir });
      const token = await restarted.accessToken(credentials);
      await expectAcknowledgedCreatesKept(restarted, token, burst, credentials.clientId);
    },
    CLUSTER_TIMEOUT_MS,
  );
});
