import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '@patina/verify';
import { V3 } from '../helpers.js';
import {
  ADMIN,
  Cluster,
  CLUSTER_TIMEOUT_MS,
  type ClusterNode,
  PUBLIC_BASE_URL,
} from './harness.js';

/**
 * The promise of @patina/verify, end to end: a resource server verifying Patina's JWTs offline
 * hears of a PAT deleted, or an owner disabled, through another node on the same PostgreSQL
 * database, and refuses the token within a second; a plain JWKS check still accepts it.
 */

/** Every URL under the public base URL, sent to `node` (the load balancer of the test). */
function through(node: ClusterNode): typeof fetch {
  return (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    return fetch(url.replace(PUBLIC_BASE_URL, node.url), init);
  };
}

async function setUp() {
  const cluster = await Cluster.onFreshDatabase();
  const node1 = await cluster.start();
  const node2 = await cluster.start();
  const admin = cluster.adminCredentials();
  const adminToken = await node2.accessToken(admin);
  const made = await node2.request('POST', `${ADMIN}/identities`, {
    token: adminToken,
    json: { name: 'Dev', login: 'dev', roles: ['USER'] },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const devId = (made.body as { id: string }).id;
  const pat = await node2.request('POST', `${ADMIN}/identities/${devId}/personal-access-tokens`, {
    token: adminToken,
    json: { name: 'ci' },
  });
  expect(pat.status, JSON.stringify(pat.body)).toBe(200);
  const devPat = pat.body as { id: string; secret: string };
  const devToken = await node1.accessToken({ clientId: devPat.id, clientSecret: devPat.secret });
  // The resource server talks to node 1 only; the changes go through node 2.
  const verifier = await createVerifier({
    issuer: PUBLIC_BASE_URL,
    audience: PUBLIC_BASE_URL,
    clientId: admin.clientId,
    clientSecret: admin.clientSecret,
    fetch: through(node1),
  });
  const jwks = createRemoteJWKSet(new URL(`${PUBLIC_BASE_URL}/.well-known/jwks.json`), {
    [customFetch]: through(node1),
  });
  const plainJose = () =>
    jwtVerify(devToken, jwks, { issuer: PUBLIC_BASE_URL, audience: PUBLIC_BASE_URL });
  return { node2, adminToken, devId, devPat, devToken, verifier, plainJose };
}

/** Verifies every 5 ms until the verifier refuses; returns the refusal's code and the time. */
async function timeToRefusal(verifier: Verifier, token: string, started: number) {
  for (;;) {
    try {
      await verifier.verify(token);
    } catch (error) {
      return { code: (error as { code?: string }).code, elapsedMs: performance.now() - started };
    }
    if (performance.now() - started > 5000) return { code: 'still accepted', elapsedMs: 5000 };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('@patina/verify against two nodes on one PostgreSQL database', () => {
  it(
    'refuses a deleted PAT’s token within a second, while plain jose still accepts it',
    async () => {
      const { node2, adminToken, devPat, devToken, verifier, plainJose } = await setUp();
      try {
        expect((await verifier.verify(devToken)).client_id).toBe(devPat.id);
        const started = performance.now();
        const deleted = await node2.request('DELETE', `${V3}/${devPat.id}`, { token: adminToken });
        expect(deleted.status).toBe(204);
        const { code, elapsedMs } = await timeToRefusal(verifier, devToken, started);
        console.log(
          `PAT deleted through node 2: the verifier refused its token after ${elapsedMs.toFixed(0)} ms`,
        );
        expect(code).toBe('ERR_TOKEN_REVOKED');
        expect(elapsedMs).toBeLessThan(1000);
        await expect(plainJose()).resolves.toMatchObject({ payload: { client_id: devPat.id } });
      } finally {
        await verifier.close();
      }
    },
    CLUSTER_TIMEOUT_MS,
  );

  it(
    'refuses a disabled owner’s token within a second, while plain jose still accepts it',
    async () => {
      const { node2, adminToken, devId, devToken, verifier, plainJose } = await setUp();
      try {
        expect((await verifier.verify(devToken)).sub).toBe(devId);
        const started = performance.now();
        const disabled = await node2.request('PATCH', `${ADMIN}/identities/${devId}`, {
          token: adminToken,
          json: { status: 'DISABLED' },
          contentType: 'application/merge-patch+json',
        });
        expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
        const { code, elapsedMs } = await timeToRefusal(verifier, devToken, started);
        console.log(
          `Owner disabled through node 2: the verifier refused its token after ${elapsedMs.toFixed(0)} ms`,
        );
        expect(code).toBe('ERR_TOKEN_REVOKED');
        expect(elapsedMs).toBeLessThan(1000);
        await expect(plainJose()).resolves.toMatchObject({ payload: { sub: devId } });
      } finally {
        await verifier.close();
      }
    },
    CLUSTER_TIMEOUT_MS,
  );
});
