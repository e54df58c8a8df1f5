import {
  GITHUB_ACTIONS_ISSUER,
  GITLAB_COM_ISSUER,
  RIGHTS,
  TRUST_POLICIES_PATH,
} from '@patina/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatinaApiError, PatinaClient, type CreateTrustPolicyRequest } from '../src/index.js';
import { newUser, recordingFetch, startPatina, type PatinaServer } from './patina-server.js';

const TP_ID = /^tp_[0-9a-f]{32}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SCOPE = ['sp:my-personal-access-tokens:read'];

async function apiError(promise: Promise<unknown>): Promise<PatinaApiError> {
  const error = await promise.catch((e: unknown) => e);
  if (!(error instanceof PatinaApiError))
    throw new Error('expected a PatinaApiError', { cause: error });
  return error;
}

/**
 * The templates' issuers are known to the server, so a create from one fetches nothing: these
 * tests need no network and no issuer of their own.
 */
describe('trustPolicies', () => {
  let server: PatinaServer;
  beforeAll(async () => {
    server = await startPatina();
  });
  afterAll(() => server.stop());

  /** The administrator on this source tree's client (server.adminClient is the built one). */
  function admin(fetch?: typeof globalThis.fetch) {
    return new PatinaClient({ baseUrl: server.baseUrl, ...server.admin, ...(fetch && { fetch }) });
  }

  /** A fresh identity for a policy to act as. */
  async function workloadIdentity() {
    return (await newUser(server)).identity;
  }

  function githubPolicy(identityId: string, name = 'acme/app deploys'): CreateTrustPolicyRequest {
    return {
      name,
      template: 'github-actions',
      templateParameters: { repository: 'acme/app' },
      identityId,
      scope: SCOPE,
    };
  }

  it('create from the github-actions template, get, list, merge patch, delete', async () => {
    const policies = admin().trustPolicies;
    const identity = await workloadIdentity();
    const created = await policies.create(githubPolicy(identity.id));
    expect(created).toEqual({
      id: expect.stringMatching(TP_ID) as unknown,
      name: 'acme/app deploys',
      issuer: GITHUB_ACTIONS_ISSUER,
      jwksUri: null,
      audience: server.baseUrl,
      conditions: { repository: 'acme/app', sub: 'repo:acme/app:*' },
      identityId: identity.id,
      identityName: identity.name,
      scope: SCOPE,
      maxTokenLifetimeSeconds: 900,
      requireDpop: false,
      enabled: true,
      template: 'github-actions',
      lastUsed: null,
      created: expect.stringMatching(ISO) as unknown,
      modified: created.created,
    });
    expect(await policies.get(created.id)).toEqual(created);
    expect((await policies.list()).map((p) => p.id)).toContain(created.id);

    // conditions are replaced whole; what the patch leaves out stays.
    const updated = await policies.update(created.id, {
      name: 'acme/app releases',
      conditions: { repository: 'acme/app', ref: ['refs/heads/main', 'refs/tags/v*'] },
      maxTokenLifetimeSeconds: 3600,
      enabled: false,
    });
    expect(updated).toEqual({
      ...created,
      name: 'acme/app releases',
      conditions: { repository: 'acme/app', ref: ['refs/heads/main', 'refs/tags/v*'] },
      maxTokenLifetimeSeconds: 3600,
      enabled: false,
      modified: expect.stringMatching(ISO) as unknown,
    });
    expect(await policies.get(created.id)).toEqual(updated);

    await policies.delete(created.id);
    expect(await apiError(policies.get(created.id))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(await apiError(policies.delete(created.id))).toMatchObject({ status: 404 });
    expect((await policies.list()).map((p) => p.id)).not.toContain(created.id);
  });

  it('update is sent as an RFC 7396 merge patch', async () => {
    const types: (string | null)[] = [];
    const watching: typeof fetch = (input, init) => {
      if (init?.method === 'PATCH') types.push(new Headers(init.headers).get('content-type'));
      return fetch(input, init);
    };
    const policies = admin(watching).trustPolicies;
    const created = await policies.create(githubPolicy((await workloadIdentity()).id));
    await policies.update(created.id, { audience: 'https://patina.example.com' });
    expect(types).toEqual(['application/merge-patch+json']);
    expect((await policies.get(created.id)).audience).toBe('https://patina.example.com');
  });

  it('the gitlab-ci template; iterate walks every page', async () => {
    const recorder = recordingFetch();
    const policies = admin(recorder.fetch).trustPolicies;
    const identity = await workloadIdentity();
    const gitlab = await policies.create({
      name: 'runner',
      template: 'gitlab-ci',
      templateParameters: { projectPath: 'acme/app', ref: 'main' },
      identityId: identity.id,
      scope: SCOPE,
    });
    expect(gitlab).toMatchObject({
      issuer: GITLAB_COM_ISSUER,
      template: 'gitlab-ci',
      conditions: expect.objectContaining({ project_path: 'acme/app' }) as unknown,
    });
    const made = [gitlab.id];
    for (const name of ['one', 'two']) {
      made.push((await policies.create(githubPolicy(identity.id, name))).id);
    }

    const seen: string[] = [];
    for await (const policy of policies.iterate({ limit: 1 })) seen.push(policy.id);
    expect(seen).toEqual(expect.arrayContaining(made));
    expect(new Set(seen).size).toBe(seen.length);
    // One page per policy and the empty page after the last.
    expect(recorder.count(TRUST_POLICIES_PATH)).toBe(made.length + seen.length + 1);
  });

  /** What the API answered: the status, the code and the message people read. */
  async function refusal(promise: Promise<unknown>) {
    const error = await apiError(promise);
    return { status: error.status, code: error.code, text: error.messages?.[0]?.text };
  }

  it('errors name the field', async () => {
    const policies = admin().trustPolicies;
    const identity = await workloadIdentity();
    const custom = {
      name: 'custom',
      jwksUri: 'https://issuer.example.com/jwks',
      identityId: identity.id,
      scope: SCOPE,
    };
    expect(
      await refusal(
        policies.create({ ...githubPolicy(identity.id), maxTokenLifetimeSeconds: 43_201 }),
      ),
    ).toEqual({
      status: 400,
      code: 'ILLEGAL_VALUE',
      text: "'maxTokenLifetimeSeconds' must be <= 43200",
    });
    expect(
      await refusal(
        policies.create({
          ...custom,
          issuer: 'http://issuer.example.com',
          conditions: { sub: 'deploy' },
        }),
      ),
    ).toEqual({
      status: 400,
      code: 'ILLEGAL_VALUE',
      text: "'issuer' must be https: this deployment does not allow plain http (federation.allowHttp)",
    });
    expect(
      await refusal(
        policies.create({
          ...custom,
          issuer: 'https://issuer.example.com',
          conditions: { sub: '*' },
        }),
      ),
    ).toEqual({
      status: 400,
      code: 'ILLEGAL_VALUE',
      text: "'conditions' must pin one workload: a value (not only wildcards) for sub or one of repository, repository_id, project_path, project_id, job_workflow_ref, namespace_path. A policy without one trusts every job the issuer signs for",
    });
    expect(
      await refusal(
        policies.create({
          ...githubPolicy(identity.id),
          templateParameters: { repository: 'acme/app', namespace: 'batch' },
        }),
      ),
    ).toEqual({
      status: 400,
      code: 'ILLEGAL_VALUE',
      text: "'templateParameters.namespace' is not a parameter of the github-actions template (it takes repository, ref, environment)",
    });
    expect(await refusal(policies.create({ ...githubPolicy('0'.repeat(32)) }))).toEqual({
      status: 400,
      code: 'ILLEGAL_VALUE',
      text: "'identityId' names no identity: '00000000000000000000000000000000'",
    });
    expect(await refusal(policies.get(`tp_${'0'.repeat(32)}`))).toEqual({
      status: 404,
      code: 'NOT_FOUND',
      text: "Trust policy 'tp_00000000000000000000000000000000' was not found",
    });
    expect((await policies.list()).map((p) => p.name)).not.toContain('custom');
  });

  it('reading needs all-read, changing all-manage', async () => {
    const policies = admin().trustPolicies;
    const created = await policies.create(githubPolicy((await workloadIdentity()).id));
    const user = await newUser(server);
    const userPolicies = new PatinaClient({ baseUrl: server.baseUrl, ...user }).trustPolicies;
    const reading = {
      status: 403,
      code: 'FORBIDDEN',
      text: 'Reading trust policies needs the right sp:all-personal-access-tokens:read',
    };
    expect(await refusal(userPolicies.list())).toEqual(reading);
    expect(await refusal(userPolicies.get(created.id))).toEqual(reading);
    expect(await refusal(userPolicies.delete(created.id))).toEqual({
      status: 403,
      code: 'FORBIDDEN',
      text: 'Managing trust policies needs the right sp:all-personal-access-tokens:manage',
    });

    const reader = await newUser(server, { rights: [RIGHTS.allRead] });
    const readerPolicies = new PatinaClient({ baseUrl: server.baseUrl, ...reader }).trustPolicies;
    expect(await readerPolicies.get(created.id)).toEqual(created);
    expect(await refusal(readerPolicies.update(created.id, { enabled: false }))).toEqual({
      status: 403,
      code: 'FORBIDDEN',
      text: 'Managing trust policies needs the right sp:all-personal-access-tokens:manage',
    });
    expect((await policies.get(created.id)).enabled).toBe(true);
  });
});
