import type { AccessTokenClaims } from '@patina/contract';
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPES, TRUST_POLICIES_PATH } from '@patina/contract';
import { createVerifier, fastifyVerifier, type Verifier } from '@patina/verify';
import Fastify from 'fastify';
import * as client from 'openid-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort, V3 } from '../helpers.js';
import { realDelay, REVOKED_PAT } from '../interop/verify-harness.js';
import { startCiIssuer } from './ci-issuer.js';
import { startJwksIssuer } from './jwks-issuer.js';
import { createPolicy, startFederationApp } from './setup.js';

/**
 * Workload identity federation end to end: a workflow that holds no secret of Patina's gets its
 * platform's OIDC token, trades it at Patina (openid-client, RFC 8693) and calls an orders API
 * that @patina/verify protects; when an administrator disables the trust policy, the orders API
 * refuses the token within a second, told by Patina's Shared Signals stream. Over real HTTP
 * between every party, on each database.
 */

const TIMEOUT = { timeout: 30_000 };
const REFUSAL_BOUND_MS = 1000;

/** A workload platform: its issuer, and the policy fields that trust one workload of it. */
interface Platform {
  name: string;
  start(audience: string): Promise<{
    policy: Record<string, unknown>;
    /** The workload's token from its platform, for `audience`. */
    token: () => Promise<string>;
  }>;
}

const PLATFORMS: Platform[] = [
  {
    name: 'a GitHub Actions job (oidc-provider)',
    async start(audience) {
      const ci = await startCiIssuer({
        deploy: {
          sub: 'repo:acme/payments:ref:refs/heads/main',
          repository: 'acme/payments',
          ref: 'refs/heads/main',
          job_workflow_ref: 'acme/payments/.github/workflows/deploy.yml@refs/heads/main',
        },
      });
      return {
        policy: {
          issuer: ci.issuer,
          conditions: {
            repository: 'acme/payments',
            job_workflow_ref: 'acme/payments/.github/workflows/deploy.yml@refs/heads/main',
          },
        },
        token: () => ci.token('deploy', audience),
      };
    },
  },
  {
    name: 'a Kubernetes pod (jose)',
    async start(audience) {
      const cluster = await startJwksIssuer({ alg: 'RS256' });
      return {
        policy: {
          template: 'kubernetes',
          templateParameters: {
            issuer: cluster.url,
            namespace: 'payments',
            serviceAccount: 'deployer',
          },
        },
        token: () =>
          cluster.sign({ sub: 'system:serviceaccount:payments:deployer', aud: audience }),
      };
    },
  },
];

/** An orders API behind @patina/verify's Fastify hook, answering the caller's claims. */
async function ordersApi(verifier: Verifier): Promise<string> {
  const app = Fastify();
  app.addHook('onRequest', fastifyVerifier(verifier));
  app.get('/orders', (request) => {
    const { sub, client_id, scope } = (request as unknown as { patina: AccessTokenClaims }).patina;
    return { sub, client_id, scope };
  });
  onTestFinished(() => app.close());
  return app.listen({ host: '127.0.0.1', port: 0 });
}

async function callOrders(api: string, token: string) {
  const response = await fetch(`${api}/orders`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as unknown };
}

/**
 * Calls the orders API every 10 ms until it stops answering 200 or `boundMs` has passed since
 * `startedMs`; its last answer.
 */
async function answerAfter(api: string, token: string, startedMs: number, boundMs: number) {
  for (;;) {
    const answer = await callOrders(api, token);
    if (answer.status !== 200 || performance.now() - startedMs > boundMs) return answer;
    await realDelay(10);
  }
}

describe(
  'a workflow with no stored secret, calling an API that @patina/verify protects',
  TIMEOUT,
  () => {
    it.each(PLATFORMS)(
      '$name is let in on its platform’s token, and refused within a second of the policy’s disable',
      async (platform) => {
        const port = await freePort();
        const base = `http://127.0.0.1:${port}`;
        const { t, serviceId } = await startFederationApp({ publicBaseUrl: base });
        await t.app.listen({ host: '127.0.0.1', port });
        // After the verifier closed, before the app closes: the long poll the verifier gave up on
        // keeps its connection, which would hold the app's close.
        onTestFinished(() => {
          t.app.server.closeAllConnections();
        });
        // The resource server's own PAT (the administrator's) opens its event stream.
        const verifier = await createVerifier({
          issuer: base,
          audience: base,
          clientId: t.admin.patId,
          clientSecret: t.admin.secret,
        });
        onTestFinished(() => verifier.close());
        const api = await ordersApi(verifier);
        const workload = await platform.start(base);
        const policy = await createPolicy(t, {
          name: 'payments deployer',
          ...workload.policy,
          identityId: serviceId,
          scope: ['orders:read'],
        });

        // The workflow: its platform's token, traded at Patina, sent to the orders API.
        const patina = await client.discovery(new URL(base), policy.id, undefined, client.None(), {
          algorithm: 'oauth2',
          execute: [client.allowInsecureRequests],
        });
        const exchange = async () =>
          client.genericGrantRequest(patina, TOKEN_EXCHANGE_GRANT, {
            subject_token: await workload.token(),
            subject_token_type: TOKEN_TYPES.jwt,
          });
        const { access_token } = await exchange();
        expect(await callOrders(api, access_token)).toEqual({
          status: 200,
          body: { sub: serviceId, client_id: policy.id, scope: 'orders:read' },
        });

        // The administrator disables the policy.
        const started = performance.now();
        const disabled = await t.request({
          method: 'PATCH',
          url: `${TRUST_POLICIES_PATH}/${policy.id}`,
          token: t.admin.token,
          headers: { 'content-type': 'application/merge-patch+json' },
          json: { enabled: false },
        });
        expect(disabled.statusCode, disabled.body).toBe(200);
        expect(await answerAfter(api, access_token, started, REFUSAL_BOUND_MS)).toEqual({
          status: 401,
          body: { error: 'invalid_token', error_description: REVOKED_PAT },
        });

        // Patina's own API refuses it too, and the workflow gets no new token.
        const own = await fetch(`${base}${V3}?owner-id=me`, {
          headers: { authorization: `Bearer ${access_token}` },
        });
        expect(own.status).toBe(401);
        await expect(exchange()).rejects.toMatchObject({
          error: 'invalid_request',
          error_description: `The subject_token is not for trust policy ${policy.id}: it does not exist, is disabled or trusts another issuer`,
        });
      },
    );
  },
);
