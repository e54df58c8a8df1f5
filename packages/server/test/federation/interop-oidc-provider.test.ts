import { JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from '@patina/contract';
import { decodeProtectedHeader, type JWK } from 'jose';
import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { decodeJwt, freePort, V3, type TestApp } from '../helpers.js';
import { startCiIssuer, type CiIssuer, type CiJobs } from './ci-issuer.js';
import { createPolicy, startFederationApp } from './setup.js';

/**
 * Workload identity federation between unchanged third-party code on both sides: the workload's
 * token is issued and signed by a real OpenID provider (oidc-provider) standing in for GitHub
 * Actions and a self-managed GitLab, with their jobs' claims; the workload trades it at a
 * listening Patina through openid-client (RFC 8693 token exchange and the RFC 7523 JWT bearer
 * grant as generic grants). Patina finds the provider's keys through its discovery document.
 */

const TIMEOUT = { timeout: 30_000 };
const OWN_PATS = `${V3}?owner-id=me`;

/** A GitHub Actions job of the deploy workflow on main, with the claims GitHub puts in its token. */
const GITHUB_DEPLOY = {
  sub: 'repo:acme/payments:ref:refs/heads/main',
  repository: 'acme/payments',
  repository_owner: 'acme',
  repository_id: '690452710',
  repository_visibility: 'private',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  sha: '5f3c9ed0a8e44b2c9d2e1a6b7f8c0d1e2f3a4b5c',
  workflow: 'deploy',
  workflow_ref: 'acme/payments/.github/workflows/deploy.yml@refs/heads/main',
  job_workflow_ref: 'acme/payments/.github/workflows/deploy.yml@refs/heads/main',
  event_name: 'push',
  actor: 'octocat',
  run_id: '9876543210',
  run_attempt: '1',
  runner_environment: 'github-hosted',
};

/** Another workflow of the same repository and branch: same sub, another job_workflow_ref. */
const GITHUB_LINT = {
  ...GITHUB_DEPLOY,
  workflow: 'lint',
  workflow_ref: 'acme/payments/.github/workflows/lint.yml@refs/heads/main',
  job_workflow_ref: 'acme/payments/.github/workflows/lint.yml@refs/heads/main',
};

/** A GitLab CI job on the protected main branch, with the claims GitLab puts in its ID token. */
const GITLAB_DEPLOY = {
  sub: 'project_path:acme/payments:ref_type:branch:ref:main',
  namespace_id: '72',
  namespace_path: 'acme',
  project_id: '4711',
  project_path: 'acme/payments',
  user_login: 'ada',
  pipeline_id: '1203',
  pipeline_source: 'push',
  job_id: '88031',
  ref: 'main',
  ref_type: 'branch',
  ref_protected: 'true',
  runner_environment: 'self-hosted',
  ci_config_ref_uri: 'gitlab.acme.test/acme/payments//.gitlab-ci.yml@refs/heads/main',
};

const JOBS: CiJobs = {
  'github-deploy': GITHUB_DEPLOY,
  'github-lint': GITHUB_LINT,
  'gitlab-deploy': GITLAB_DEPLOY,
};

/** The custom policy that lets only the deploy workflow of acme/payments' main act. */
const GITHUB_CONDITIONS = {
  repository: 'acme/payments',
  sub: 'repo:acme/payments:ref:refs/heads/main',
  job_workflow_ref: 'acme/payments/.github/workflows/deploy.yml@refs/heads/*',
};

interface Federation {
  t: TestApp;
  base: string;
  serviceId: string;
  ci: CiIssuer;
}

/** Patina listening on 127.0.0.1 (its issuer where it listens) and the CI platform's provider. */
async function federation(): Promise<Federation> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const { t, serviceId } = await startFederationApp({ publicBaseUrl: base });
  await t.app.listen({ host: '127.0.0.1', port });
  const ci = await startCiIssuer(JOBS);
  return { t, base, serviceId, ci };
}

/** A trust policy for acme/payments' deploy workflow: the provider's issuer, no jwksUri. */
function githubPolicy(f: Federation) {
  return createPolicy(f.t, {
    name: 'payments deploy (GitHub Actions)',
    issuer: f.ci.issuer,
    conditions: GITHUB_CONDITIONS,
    identityId: f.serviceId,
    scope: ['orders:read', 'sp:my-personal-access-tokens:read'],
    maxTokenLifetimeSeconds: 600,
  });
}

/** openid-client's discovery of Patina, as a public client whose client_id is the policy id. */
function patinaFor(base: string, policyId: string): Promise<client.Configuration> {
  return client.discovery(new URL(base), policyId, undefined, client.None(), {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
  });
}

/** Runs `send`, which must reject, and returns what it rejected with. */
async function rejection(send: () => Promise<unknown>): Promise<unknown> {
  try {
    await send();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** GET of the caller's own PATs on Patina's API, over HTTP. */
function ownPats(base: string, token: string): Promise<Response> {
  return fetch(`${base}${OWN_PATS}`, { headers: { authorization: `Bearer ${token}` } });
}

describe('a workload token of oidc-provider, exchanged through openid-client', TIMEOUT, () => {
  it('is signed by the provider with a key of its published JWKS and carries the job’s claims', async () => {
    const f = await federation();
    const incoming = await f.ci.token('github-deploy', f.base);
    const metadata = (await (
      await fetch(`${f.ci.issuer}/.well-known/openid-configuration`)
    ).json()) as { issuer: string; jwks_uri: string };
    expect(metadata.issuer).toBe(f.ci.issuer);
    const { keys } = (await (await fetch(metadata.jwks_uri)).json()) as { keys: JWK[] };
    const header = decodeProtectedHeader(incoming);
    expect(header.alg).toBe('RS256');
    expect(keys.map((key) => key.kid)).toContain(header.kid);
    const claims = decodeJwt(incoming).payload;
    expect(claims).toMatchObject({ ...GITHUB_DEPLOY, iss: f.ci.issuer, aud: f.base });
    expect(claims.jti).toEqual(expect.any(String));
  });

  it('trades a GitHub Actions job’s token by RFC 8693 token exchange; the token works on Patina’s API', async () => {
    const f = await federation();
    const policy = await githubPolicy(f);
    const patina = await patinaFor(f.base, policy.id);
    const incoming = await f.ci.token('github-deploy', f.base);

    const response = await client.genericGrantRequest(patina, TOKEN_EXCHANGE_GRANT, {
      subject_token: incoming,
      subject_token_type: TOKEN_TYPES.jwt,
      scope: 'sp:my-personal-access-tokens:read',
    });

    expect(response.issued_token_type).toBe(TOKEN_TYPES.accessToken);
    // oauth4webapi (under openid-client) gives token_type in lower case.
    expect(response.token_type).toBe('bearer');
    expect(response.scope).toBe('sp:my-personal-access-tokens:read');
    const { header, payload } = decodeJwt(response.access_token);
    // Never past the incoming token's exp (the provider's 300 s), though the policy allows 600.
    expect(payload.exp).toBe(decodeJwt(incoming).payload.exp);
    expect(response.expires_in).toBe((payload.exp as number) - (payload.iat as number));
    expect(header).toMatchObject({ typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: f.base,
      aud: f.base,
      sub: f.serviceId,
      client_id: policy.id,
      trust_policy_id: policy.id,
      user_name: 'deploy-bot',
      scope: 'sp:my-personal-access-tokens:read',
    });

    const listed = await ownPats(f.base, response.access_token);
    expect(listed.status).toBe(200);
  });

  it('trades a self-managed GitLab job’s ID token under the gitlab-ci template', async () => {
    const f = await federation();
    const policy = await createPolicy(f.t, {
      name: 'payments deploy (GitLab CI)',
      template: 'gitlab-ci',
      templateParameters: { issuer: f.ci.issuer, projectPath: 'acme/payments', ref: 'main' },
      identityId: f.serviceId,
      scope: ['sp:my-personal-access-tokens:read'],
    });
    expect(policy).toMatchObject({
      issuer: f.ci.issuer,
      jwksUri: null,
      audience: f.base,
      conditions: { project_path: 'acme/payments', ref: 'main' },
    });
    const patina = await patinaFor(f.base, policy.id);

    const response = await client.genericGrantRequest(patina, TOKEN_EXCHANGE_GRANT, {
      subject_token: await f.ci.token('gitlab-deploy', f.base),
      subject_token_type: TOKEN_TYPES.idToken,
    });

    expect(decodeJwt(response.access_token).payload).toMatchObject({
      sub: f.serviceId,
      client_id: policy.id,
    });
    expect((await ownPats(f.base, response.access_token)).status).toBe(200);
  });

  it('trades the same kind of token by the RFC 7523 JWT bearer grant', async () => {
    const f = await federation();
    const policy = await githubPolicy(f);
    const patina = await patinaFor(f.base, policy.id);

    const response = await client.genericGrantRequest(patina, JWT_BEARER_GRANT, {
      assertion: await f.ci.token('github-deploy', f.base),
    });

    expect(response.issued_token_type).toBe(TOKEN_TYPES.accessToken);
    expect(response.scope).toBe('orders:read sp:my-personal-access-tokens:read');
    expect(decodeJwt(response.access_token).payload).toMatchObject({
      sub: f.serviceId,
      client_id: policy.id,
      trust_policy_id: policy.id,
    });
    expect((await ownPats(f.base, response.access_token)).status).toBe(200);
  });

  it.each([
    ['token exchange', TOKEN_EXCHANGE_GRANT, 'subject_token', 'invalid_request'],
    ['the JWT bearer grant', JWT_BEARER_GRANT, 'assertion', 'invalid_grant'],
  ] as const)(
    'refuses another workflow of the repository by %s: a ResponseBodyError naming the condition',
    async (_grant, grantType, parameter, error) => {
      const f = await federation();
      const policy = await githubPolicy(f);
      const patina = await patinaFor(f.base, policy.id);
      const incoming = await f.ci.token('github-lint', f.base);
      const before = await f.t.snapshot();

      const refused = await rejection(() =>
        client.genericGrantRequest(patina, grantType, {
          [parameter]: incoming,
          ...(parameter === 'subject_token' && { subject_token_type: TOKEN_TYPES.jwt }),
        }),
      );

      expect(refused).toBeInstanceOf(client.ResponseBodyError);
      const body = refused as client.ResponseBodyError;
      expect(body.status).toBe(400);
      expect(body.error).toBe(error);
      const what = parameter === 'subject_token' ? 'The subject_token' : 'The assertion';
      expect(body.error_description).toBe(
        `${what} is not accepted: trust policy ${policy.id}'s condition on job_workflow_ref is not met`,
      );
      expect(JSON.stringify(body.cause)).not.toContain(incoming);
      // Nothing issued: no PAT, no identity changed; one failure recorded, without the token.
      const after = await f.t.snapshot();
      expect(after.identities).toEqual(before.identities);
      expect(after.pats).toEqual(before.pats);
      const failed = await f.t.auditEvents('TRUST_POLICY_USE_FAILED');
      expect(failed).toHaveLength(1);
      expect(JSON.parse(failed[0]!.details)).toEqual({
        reason: 'conditions',
        issuer: f.ci.issuer,
        grant: grantType === TOKEN_EXCHANGE_GRANT ? 'token-exchange' : 'jwt-bearer',
      });
      expect(JSON.stringify(failed)).not.toContain(incoming);
    },
  );
});
