import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { REFERENCE_CONFLICT, V3 } from '../helpers.js';
import {
  ADMIN,
  Cluster,
  CLUSTER_TIMEOUT_MS,
  type ClusterNode,
  type CreatedPat,
  expectRefusedWithinASecond,
  isSailPointError,
  migrationCount,
  ownList,
} from './harness.js';

/** Node 1 first (it bootstraps the empty database), then node 2. */
async function twoNodes() {
  const cluster = await Cluster.onFreshDatabase();
  const node1 = await cluster.start();
  const node2 = await cluster.start();
  return { cluster, node1, node2, credentials: cluster.adminCredentials() };
}

describe('several nodes on one PostgreSQL database', () => {
  it(
    'verify each other’s access tokens',
    async () => {
      const { cluster, node1, node2, credentials } = await twoNodes();
      // The database was no longer empty when node 2 started: only node 1 bootstrapped.
      expect(existsSync(cluster.bootstrapFile(node1))).toBe(true);
      expect(existsSync(cluster.bootstrapFile(node2))).toBe(false);

      const fromNode1 = await node1.accessToken(credentials);
      const fromNode2 = await node2.accessToken(credentials);
      expect(await ownList(node2, fromNode1)).toBe(200);
      expect(await ownList(node1, fromNode2)).toBe(200);
      // A token neither node minted is refused by both, so the 200s above mean something.
      const forged = `${fromNode1.slice(0, -4)}AAAA`;
      expect(await ownList(node1, forged)).toBe(401);
      expect(await ownList(node2, forged)).toBe(401);
    },
    CLUSTER_TIMEOUT_MS,
  );

  it(
    'stop honouring a PAT deleted, or an identity disabled, on another node within a second',
    async () => {
      const { node1, node2, credentials } = await twoNodes();
      const admin1 = await node1.accessToken(credentials);

      // A PAT deleted through node 1.
      const pat = await node1.createPat(admin1, 'cluster delete');
      const patToken = await node1.accessToken({ clientId: pat.id, clientSecret: pat.secret });
      expect(await ownList(node2, patToken)).toBe(200); // node 2 now holds it in its cache
      const deleted = await node1.request('DELETE', `${V3}/${pat.id}`, { token: admin1 });
      expect(deleted.status).toBe(204);
      // The clock starts at the answer to the delete.
      await expectRefusedWithinASecond(node2, patToken, 'PAT deleted on node 1');
      expect(await ownList(node1, patToken)).toBe(401);

      // A non-administrator disabled through node 1.
      const created = await node1.request('POST', `${ADMIN}/identities`, {
        token: admin1,
        json: { name: 'Cluster User', login: 'cluster-user' },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const identity = created.body as { id: string; roles: string[] };
      expect(identity.roles).toEqual(['USER']);
      const given = await node1.request(
        'POST',
        `${ADMIN}/identities/${identity.id}/personal-access-tokens`,
        { token: admin1, json: { name: 'cluster user pat' } },
      );
      expect(given.status, JSON.stringify(given.body)).toBe(200);
      const userPat = given.body as CreatedPat;
      const userToken = await node2.accessToken({
        clientId: userPat.id,
        clientSecret: userPat.secret,
      });
      expect(await ownList(node2, userToken)).toBe(200);
      const disabled = await node1.request('PATCH', `${ADMIN}/identities/${identity.id}`, {
        token: admin1,
        json: { status: 'DISABLED' },
        contentType: 'application/merge-patch+json',
      });
      expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
      expect((disabled.body as { status: string }).status).toBe('DISABLED');
      await expectRefusedWithinASecond(node2, userToken, 'identity disabled on node 1');
      expect(await ownList(node1, userToken)).toBe(401);

      // The administrator's own token was never affected.
      expect(await ownList(node2, admin1)).toBe(200);
    },
    CLUSTER_TIMEOUT_MS,
  );

  it(
    'create one PAT name exactly once under 40 concurrent creates spread over both nodes',
    async () => {
      const { node1, node2, credentials } = await twoNodes();
      const tokens = [await node1.accessToken(credentials), await node2.accessToken(credentials)];
      const nodes = [node1, node2];
      const name = 'raced name';
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          nodes[i % 2]!.request('POST', V3, { token: tokens[i % 2], json: { name } }),
        ),
      );
      const ok = answers.filter((a) => a.status === 200);
      const conflicts = answers.filter((a) => isSailPointError(a, 400, REFERENCE_CONFLICT));
      const others = answers.filter((a) => !ok.includes(a) && !conflicts.includes(a));
      expect(
        others.map((a) => [a.status, a.body]),
        'answers that are neither 200 nor a reference conflict',
      ).toEqual([]);
      expect(ok).toHaveLength(1);
      expect(conflicts).toHaveLength(39);

      const winner = ok[0]!.body as CreatedPat;
      for (const [i, node] of nodes.entries()) {
        const named = (await node.listAll(`${V3}?owner-id=me`, tokens[i]!)).filter(
          (p) => p.name === name,
        );
        expect(named.map((p) => p.id)).toEqual([winner.id]);
      }
    },
    CLUSTER_TIMEOUT_MS,
  );

  it(
    'start together on an empty database: migrations run once, one signing key, one bootstrap',
    async () => {
      const cluster = await Cluster.onFreshDatabase();
      // Both launched before either is waited for.
      const launches = [await cluster.launch(), await cluster.launch()];
      const started = await Promise.allSettled(launches.map((l) => l.listening));
      const failures = started.flatMap((s, i) =>
        s.status === 'rejected' ? [`node ${i + 1}: ${String(s.reason)}`] : [],
      );
      expect(failures, 'nodes that did not come up').toEqual([]);
      const [node1, node2] = launches.map((l) => l.node) as [ClusterNode, ClusterNode];

      const client = new pg.Client({ connectionString: cluster.databaseUrl! });
      await client.connect();
      try {
        const migrations = await client.query<{ n: string }>(
          'select count(*) as n from kysely_migration',
        );
        expect(Number(migrations.rows[0]!.n)).toBe(migrationCount());
        const keys = await client.query<{ n: string }>(
          'select count(*) as n from signing_keys where retired is null',
        );
        expect(Number(keys.rows[0]!.n)).toBe(1);
        const identities = await client.query<{ login: string }>('select login from identities');
        expect(identities.rows.map((r) => r.login)).toEqual(['admin']);
      } finally {
        await client.end();
      }

      // Exactly one node wrote the bootstrap file, and its credentials work on both.
      const credentials = cluster.adminCredentials();
      for (const node of [node1, node2]) {
        const token = await node.accessToken(credentials);
        expect(await ownList(node, token)).toBe(200);
      }
    },
    CLUSTER_TIMEOUT_MS,
  );
});
