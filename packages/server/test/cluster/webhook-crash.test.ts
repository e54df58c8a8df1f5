import { describe, expect, it } from 'vitest';
import type { Credentials } from '../e2e/harness.js';
import { poll } from '../poll.js';
import { LOCAL_WEBHOOKS, Receiver } from '../notifications/receivers.js';
import { ADMIN, Cluster, CLUSTER_CONFIG, CLUSTER_TIMEOUT_MS, type ClusterNode } from './harness.js';

const CONFIG = { ...CLUSTER_CONFIG, ...LOCAL_WEBHOOKS };

/**
 * A node is killed with SIGKILL after it claimed a delivery and sent it, before the receiver
 * answered and so before anything was recorded: the delivery must still arrive, through the
 * next node that runs (another node on PostgreSQL, the restarted one on SQLite).
 */
async function sendThenKill(cluster: Cluster, first: ClusterNode, receiver: Receiver) {
  const token = await first.accessToken(cluster.adminCredentials());
  const created = await first.request('POST', `${ADMIN}/webhooks`, {
    token,
    json: { url: receiver.url, events: ['identity.created'] },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const webhook = created.body as { id: string; secret: string };
  receiver.secrets.push(webhook.secret);
  // The first request is never answered: the node waits on it when it dies.
  receiver.answer = (n) => (n === 0 ? 'hang' : { status: 200 });
  const identity = await first.request('POST', `${ADMIN}/identities`, {
    token,
    json: { name: 'Kim' },
  });
  expect(identity.status).toBe(201);
  const sent = await poll(
    () => Promise.resolve(receiver.received.length),
    (n) => n >= 1,
    {
      deadlineMs: 20_000,
    },
  );
  expect(sent.met, 'the first node sent the delivery').toBe(true);
  first.process.child.kill('SIGKILL');
  expect((await first.process.exited(10_000)).signal).toBe('SIGKILL');
  return { webhook, credentials: cluster.adminCredentials() };
}

async function expectDeliveredBy(
  node: ClusterNode,
  credentials: Credentials,
  receiver: Receiver,
  webhookId: string,
) {
  const again = await poll(
    () => Promise.resolve(receiver.received.length),
    (n) => n >= 2,
    {
      deadlineMs: 30_000,
    },
  );
  expect(again.met, 'the delivery was sent again after the kill').toBe(true);
  const [lost, delivered] = receiver.received;
  expect(delivered!.verifyError).toBeUndefined();
  expect(delivered!.verified).toMatchObject({
    type: 'identity.created',
    data: { identity: { name: 'Kim' } },
  });
  // The same message: a receiver drops the duplicate by its webhook-id.
  expect(delivered!.headers['webhook-id']).toBe(lost!.headers['webhook-id']);
  const token = await node.accessToken(credentials);
  const recorded = await poll(
    async () =>
      (await node.request('GET', `${ADMIN}/webhooks/${webhookId}/deliveries`, { token })).body,
    (body) => Array.isArray(body) && (body as { status: string }[])[0]?.status === 'DELIVERED',
    { deadlineMs: 10_000 },
  );
  expect(recorded.met, JSON.stringify(recorded.last)).toBe(true);
}

describe('a node killed with SIGKILL between sending a webhook and recording it', () => {
  it(
    'still delivers it: another PostgreSQL node claims it as soon as the lock dies with the connection',
    async () => {
      const cluster = await Cluster.onFreshDatabase(CONFIG);
      const receiver = await Receiver.start();
      const first = await cluster.start();
      const { webhook, credentials } = await sendThenKill(cluster, first, receiver);
      const second = await cluster.start();
      await expectDeliveredBy(second, credentials, receiver, webhook.id);
    },
    CLUSTER_TIMEOUT_MS,
  );

  it(
    'still delivers it on SQLite, after a restart',
    async () => {
      const cluster = new Cluster(null, CONFIG);
      const receiver = await Receiver.start();
      const first = await cluster.start();
      const { webhook, credentials } = await sendThenKill(cluster, first, receiver);
      const restarted = await cluster.start({ dataDir: first.dataDir });
      await expectDeliveredBy(restarted, credentials, receiver, webhook.id);
    },
    CLUSTER_TIMEOUT_MS,
  );
});
