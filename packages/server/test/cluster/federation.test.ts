import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { startJwksIssuer } from '../federation/jwks-issuer.js';
import { LOCAL_FEDERATION, TRUST_POLICIES } from '../federation/setup.js';
import { decodeJwt, V3 } from '../helpers.js';
import {
  ADMIN,
  type Answer,
  Cluster,
  CLUSTER_CONFIG,
  CLUSTER_TIMEOUT_MS,
  type ClusterNode,
  expectRefusedWithinASecond,
  ownList,
  PUBLIC_BASE_URL,
} from './harness.js';

const SA = 'system:serviceaccount:payments:deployer';

interface TokenAnswer extends Answer {
  body: { access_token?: string; error?: string; error_description?: string };
}

/** Node 1 first (it bootstraps the empty database), then node 2; both trust loopback issuers. */
async function twoNodes() {
  const cluster = await Cluster.onFreshDatabase({ ...CLUSTER_CONFIG, ...LOCAL_FEDERATION });
  const node1 = await cluster.start();
  const node2 = await cluster.start();
  const admin1 = await node1.accessToken(cluster.adminCredentials());
  return { node1, node2, admin1 };
}

/**
 * Two nodes, a workload issuer on loopback, and a trust policy made on node 1 letting the
 * issuer's deployer act as a plain user. The policy's audience is left to its default, the nodes'
 * public base URL, which the workload's tokens name.
 */
async function federatedNodes() {
  const nodes = await twoNodes();
  const { node1, admin1 } = nodes;
  const issuer = await startJwksIssuer();
  const identity = await node1.request('POST', `${ADMIN}/identities`, {
    token: admin1,
    json: { name: 'Deploy Bot', login: 'deploy-bot' },
  });
  expect(identity.status, JSON.stringify(identity.body)).toBe(201);
  const created = await node1.request('POST', TRUST_POLICIES, {
    token: admin1,
    json: {
      name: 'payments deployer',
      issuer: issuer.url,
      jwksUri: issuer.jwksUri,
      conditions: { sub: SA },
      identityId: (identity.body as { id: string }).id,
      scope: ['sp:my-personal-access-tokens:read'],
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const policy = created.body as { id: string; audience: string };
  expect(policy.audience).toBe(PUBLIC_BASE_URL);
  // A fresh jti each time: each workload token is good for one exchange.
  const sign = () => issuer.sign({ sub: SA, aud: PUBLIC_BASE_URL });
  return { ...nodes, policy, sign };
}

/** RFC 8693 token exchange on `node`, the subject being a workload JWT or a Patina token. */
async function tokenExchange(
  node: ClusterNode,
  subjectToken: string,
  subjectTokenType: string,
): Promise<TokenAnswer> {
  const response = await fetch(`${node.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: subjectToken,
      subject_token_type: subjectTokenType,
    }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(text) as TokenAnswer['body'],
  };
}

/** The access token of a 200 answer; anything else fails the test (with the error, no token). */
function accessTokenOf(answer: TokenAnswer): string {
  expect([answer.status, answer.body.error_description]).toEqual([200, undefined]);
  return answer.body.access_token!;
}

describe('workload identity federation on several nodes of one PostgreSQL database', () => {
  it(
    'exchanges a workload token once, whichever nodes it is sent to at the same moment',
    async () => {
      const { node1, node2, sign } = await federatedNodes();
      const winners: string[] = [];
      for (let round = 1; round <= 8; round++) {
        const incoming = await sign();
        const answers = await Promise.all(
          [node1, node2].map((node) => tokenExchange(node, incoming, TOKEN_TYPES.jwt)),
        );
        const outcomes = answers.map((a) =>
          a.status === 200 ? 'exchanged' : `${a.status} ${a.body.error_description}`,
        );
        const replayed =
          '400 The subject_token was exchanged before (jti): each token is good for one exchange';
        // Sorted, the 400 comes first: either node may win.
        expect([...outcomes].sort(), `round ${round}`).toEqual([replayed, 'exchanged']);
        for (const answer of answers) expect(JSON.stringify(answer.body)).not.toContain(incoming);
        winners.push(answers[0]!.status === 200 ? 'node 1' : 'node 2');
        // Spent: neither node exchanges it again.
        for (const node of [node1, node2]) {
          expect((await tokenExchange(node, incoming, TOKEN_TYPES.jwt)).status).toBe(400);
        }
      }
      console.log(`exchanges won by: ${winners.join(', ')}`);
    },
    CLUSTER_TIMEOUT_MS,
  );

  it(
    'stops honouring the access tokens of a policy disabled on another node within a second',
    async () => {
      const { node1, node2, admin1, policy, sign } = await federatedNodes();
      const token = accessTokenOf(await tokenExchange(node1, await sign(), TOKEN_TYPES.jwt));
      expect(decodeJwt(token).payload.trust_policy_id).toBe(policy.id);
      expect(await ownList(node2, token)).toBe(200); // node 2 now holds the policy in its cache

      const disabled = await node1.request('PATCH', `${TRUST_POLICIES}/${policy.id}`, {
        token: admin1,
        json: { enabled: false },
        contentType: 'application/merge-patch+json',
      });
      expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
      expect((disabled.body as { enabled: boolean }).enabled).toBe(false);
      // The clock starts at the answer to the patch.
      await expectRefusedWithinASecond(node2, token, 'policy disabled on node 1');
      expect(await ownList(node1, token)).toBe(401);

      // Nor does node 2 exchange a new workload token under the disabled policy.
      const refused = await tokenExchange(node2, await sign(), TOKEN_TYPES.jwt);
      expect(refused.status).toBe(400);
      expect(refused.body.error_description).toMatch(/no enabled trust policy trusts/);
    },
    CLUSTER_TIMEOUT_MS,
  );

  it(
    'stops honouring a delegated token within a second of its PAT’s deletion on another node',
    async () => {
      const { node1, node2, admin1 } = await twoNodes();
      const pat = await node1.createPat(admin1, 'delegation source');
      const patToken = await node1.accessToken({ clientId: pat.id, clientSecret: pat.secret });

      const delegated = accessTokenOf(
        await tokenExchange(node2, patToken, TOKEN_TYPES.accessToken),
      );
      expect(decodeJwt(delegated).payload).toMatchObject({
        client_id: pat.id,
        delegation_depth: 1,
      });
      expect(await ownList(node2, delegated)).toBe(200); // node 2 now holds the PAT in its cache

      const deleted = await node1.request('DELETE', `${V3}/${pat.id}`, { token: admin1 });
      expect(deleted.status).toBe(204);
      await expectRefusedWithinASecond(
        node2,
        delegated,
        'PAT behind a delegation deleted on node 1',
      );
      expect(await ownList(node1, delegated)).toBe(401);
      // The subject token died with its PAT too: nothing more is derived from it, on either node.
      for (const node of [node1, node2]) {
        expect((await tokenExchange(node, patToken, TOKEN_TYPES.accessToken)).status).toBe(400);
      }
      // The administrator's own token was never affected.
      expect(await ownList(node2, admin1)).toBe(200);
    },
    CLUSTER_TIMEOUT_MS,
  );
});
