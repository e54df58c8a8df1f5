import { describe, expect, it } from 'vitest';
import {
  ADMIN,
  type Answer,
  Cluster,
  CLUSTER_CONFIG,
  CLUSTER_TIMEOUT_MS,
  type ClusterNode,
} from './harness.js';

/**
 * Governance across nodes (docs/governance.md): requests and campaigns live in the shared
 * database, so two nodes deciding the same request or the same review item at once end with one
 * decision and a clear 409 for the other, and what one node decided the other shows.
 */

const CONFIG = {
  ...CLUSTER_CONFIG,
  scopes: [{ name: 'orders:read' }, { name: 'orders:write' }],
  approval: { rules: [{ scopes: ['orders:write'], approvers: { roles: ['ORG_ADMIN'] } }] },
};

async function identityWithPat(
  node: ClusterNode,
  admin: string,
  body: { name: string; login: string; roles?: string[]; rights?: string[] },
  scope: string[],
): Promise<{ id: string; token: string; patId: string }> {
  const identity = await node.request('POST', `${ADMIN}/identities`, { token: admin, json: body });
  expect(identity.status, JSON.stringify(identity.body)).toBe(201);
  const { id } = identity.body as { id: string };
  const pat = await node.request('POST', `${ADMIN}/identities/${id}/personal-access-tokens`, {
    token: admin,
    json: { name: 'login', scope },
  });
  expect(pat.status, JSON.stringify(pat.body)).toBe(200);
  const made = pat.body as { id: string; secret: string };
  const token = await node.accessToken({ clientId: made.id, clientSecret: made.secret });
  return { id, token, patId: made.id };
}

function statuses(answers: Answer[]): number[] {
  return answers.map((a) => a.status).sort();
}

describe('governance on two nodes sharing PostgreSQL', () => {
  it(
    'one approval and one review decision win; the other node gets 409',
    async () => {
      const cluster = await Cluster.onFreshDatabase(CONFIG);
      const node1 = await cluster.start();
      const node2 = await cluster.start();
      const admin1 = await node1.accessToken(cluster.adminCredentials());
      const bob = await identityWithPat(
        node1,
        admin1,
        { name: 'Bob Boss', login: 'bob', roles: ['ORG_ADMIN'] },
        ['sp:all-personal-access-tokens:manage'],
      );
      const rita = await identityWithPat(
        node1,
        admin1,
        { name: 'Rita Requester', login: 'rita', rights: ['orders:write'] },
        ['sp:my-personal-access-tokens:manage'],
      );

      const asked = await node1.request('POST', `${ADMIN}/personal-access-tokens`, {
        token: rita.token,
        json: { name: 'settlement', scope: ['orders:write'], justification: 'Nightly job' },
      });
      expect(asked.status, JSON.stringify(asked.body)).toBe(202);
      const { id } = (asked.body as { request: { id: string } }).request;
      const approvals = await Promise.all([
        node1.request('POST', `${ADMIN}/pat-requests/${id}/approve`, { token: admin1, json: {} }),
        node2.request('POST', `${ADMIN}/pat-requests/${id}/approve`, {
          token: bob.token,
          json: {},
        }),
      ]);
      expect(statuses(approvals)).toEqual([200, 409]);
      const secret = await node2.request('POST', `${ADMIN}/pat-requests/${id}/secret`, {
        token: rita.token,
      });
      expect(secret.status, JSON.stringify(secret.body)).toBe(200);
      const again = await node1.request('POST', `${ADMIN}/pat-requests/${id}/secret`, {
        token: rita.token,
      });
      expect(again.status).toBe(409);

      const campaign = await node1.request('POST', `${ADMIN}/access-reviews`, {
        token: admin1,
        json: {
          name: 'Q3 orders review',
          selection: { scopes: ['orders:write'] },
          // Bob reviews; the administrator may decide any item too.
          reviewers: [bob.id],
          deadline: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        },
      });
      expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
      const reviewId = (campaign.body as { id: string }).id;
      const items = await node2.request('GET', `${ADMIN}/access-reviews/${reviewId}/items`, {
        token: bob.token,
      });
      expect(items.status, JSON.stringify(items.body)).toBe(200);
      const [item] = items.body as { id: string }[];
      expect(item).toBeDefined();
      const decision = (verdict: string) => ({
        decision: verdict,
        comment: `${verdict} from a node`,
      });
      const decided = await Promise.all([
        node1.request('POST', `${ADMIN}/access-reviews/${reviewId}/items/${item!.id}/decision`, {
          token: admin1,
          json: decision('certify'),
        }),
        node2.request('POST', `${ADMIN}/access-reviews/${reviewId}/items/${item!.id}/decision`, {
          token: bob.token,
          json: decision('revoke'),
        }),
      ]);
      expect(statuses(decided)).toEqual([200, 409]);
      // Both nodes read the one decision that won.
      const [one, two] = await Promise.all(
        [node1, node2].map((node) =>
          node.request('GET', `${ADMIN}/access-reviews/${reviewId}/items`, { token: admin1 }),
        ),
      );
      expect(one!.body).toEqual(two!.body);
    },
    CLUSTER_TIMEOUT_MS,
  );
});
