import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  expectRefused,
  ILLEGAL,
  ISSUER,
  MISSING,
  startTestApp,
  UNKNOWN_ID,
  type SailPointErrorSpec,
  type TestApp,
} from '../helpers.js';
import { LOCAL_FEDERATION, startFederationApp, TRUST_POLICIES } from './setup.js';

/** Written out, not imported from the contract, so that a changed default fails here. */
const GITHUB = 'https://token.actions.githubusercontent.com';
const GITLAB = 'https://gitlab.com';
const EKS = 'https://oidc.eks.eu-west-1.amazonaws.com/id/5C1F2A';
const SA = 'system:serviceaccount:payments:deployer';
const TP_ID = /^tp_[0-9a-f]{32}$/;
const BAD_CONTENT = '400.1 Bad Request Content';
const NOT_FOUND = '404 Not found';
const FORBIDDEN = '403 Forbidden';
const PIN =
  "'conditions' must pin one workload: a value (not only wildcards) for sub or one of repository, repository_id, project_path, project_id, job_workflow_ref, namespace_path. A policy without one trusts every job the issuer signs for";
const NEEDS_READ = 'Reading trust policies needs the right sp:all-personal-access-tokens:read';
const NEEDS_MANAGE = 'Managing trust policies needs the right sp:all-personal-access-tokens:manage';

type Body = Record<string, unknown>;

function send(
  t: TestApp,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  json?: unknown,
  token: string = t.admin.token,
): Promise<LightMyRequestResponse> {
  return t.request({
    method,
    url,
    token,
    ...(json !== undefined && { json }),
    ...(method === 'PATCH' && { headers: { 'content-type': 'application/merge-patch+json' } }),
  });
}

const post = (t: TestApp, json: Body, token?: string) =>
  send(t, 'POST', TRUST_POLICIES, json, token);
const patch = (t: TestApp, id: string, json: Body, token?: string) =>
  send(t, 'PATCH', `${TRUST_POLICIES}/${id}`, json, token);

/** A custom policy (an issuer's name is not resolved until a token comes). */
function custom(identityId: string, extra: Body = {}): Body {
  return {
    name: 'payments deployer',
    issuer: 'https://issuer.example',
    conditions: { sub: SA },
    identityId,
    scope: ['orders:read'],
    ...extra,
  };
}

async function created(t: TestApp, json: Body): Promise<Body & { id: string }> {
  const res = await post(t, json);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

function policyRows(t: TestApp) {
  return t.storage.db.selectFrom('trust_policies').selectAll().orderBy('id').execute();
}

/** A refused request: its error body, and no row of any table written (trust policies included). */
async function expectNothingWritten(
  t: TestApp,
  request: () => Promise<LightMyRequestResponse>,
  spec: SailPointErrorSpec,
): Promise<LightMyRequestResponse> {
  const before = await policyRows(t);
  const res = await expectRefused(t, request, spec);
  expect(await policyRows(t)).toEqual(before);
  return res;
}

/** What every new policy says besides what a test sets. */
function expected(t: TestApp, serviceId: string, fields: Body): Body {
  const now = t.clock.now().toISOString();
  return {
    id: expect.stringMatching(TP_ID) as unknown,
    jwksUri: null,
    audience: ISSUER,
    identityId: serviceId,
    identityName: 'Deploy bot',
    scope: ['orders:read'],
    maxTokenLifetimeSeconds: 900,
    requireDpop: false,
    enabled: true,
    template: null,
    lastUsed: null,
    created: now,
    modified: now,
    ...fields,
  };
}

describe('trust policies: create from a template', () => {
  const cases: [string, Body, Body][] = [
    [
      'github-actions with a repository',
      { template: 'github-actions', templateParameters: { repository: 'acme/payments' } },
      { issuer: GITHUB, conditions: { repository: 'acme/payments', sub: 'repo:acme/payments:*' } },
    ],
    [
      'github-actions with a ref and an environment',
      {
        template: 'github-actions',
        templateParameters: {
          repository: 'acme/payments',
          ref: 'refs/heads/main',
          environment: 'production',
        },
      },
      {
        issuer: GITHUB,
        conditions: {
          repository: 'acme/payments',
          sub: 'repo:acme/payments:*',
          ref: 'refs/heads/main',
          environment: 'production',
        },
      },
    ],
    [
      'gitlab-ci with a project path',
      { template: 'gitlab-ci', templateParameters: { projectPath: 'acme/billing' } },
      { issuer: GITLAB, conditions: { project_path: 'acme/billing' } },
    ],
    [
      'gitlab-ci on a self-managed GitLab',
      {
        template: 'gitlab-ci',
        templateParameters: {
          projectPath: 'acme/billing',
          issuer: 'https://gitlab.acme.example',
          ref: 'main',
        },
      },
      {
        issuer: 'https://gitlab.acme.example',
        conditions: { project_path: 'acme/billing', ref: 'main' },
      },
    ],
    [
      'kubernetes with an issuer, a namespace and a service account',
      {
        template: 'kubernetes',
        templateParameters: { issuer: EKS, namespace: 'payments', serviceAccount: 'deployer' },
      },
      { issuer: EKS, conditions: { sub: SA } },
    ],
  ];
  for (const [name, input, fill] of cases) {
    it(name, async () => {
      const { t, serviceId } = await startFederationApp();
      const res = await post(t, {
        name: 'payments deployer',
        identityId: serviceId,
        scope: ['orders:read'],
        ...input,
      });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json<Body & { id: string }>();
      expect(body).toEqual(
        expected(t, serviceId, {
          name: 'payments deployer',
          template: input.template,
          ...fill,
        }),
      );
      const read = await send(t, 'GET', `${TRUST_POLICIES}/${body.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(body);
    });
  }

  it('adds the caller’s own conditions to the template’s', async () => {
    const { t, serviceId } = await startFederationApp();
    const body = await created(t, {
      name: 'main only',
      template: 'github-actions',
      templateParameters: { repository: 'acme/payments' },
      conditions: { job_workflow_ref: 'acme/payments/.github/workflows/deploy.yml@*' },
      identityId: serviceId,
      scope: ['orders:read'],
    });
    expect(body.conditions).toEqual({
      repository: 'acme/payments',
      sub: 'repo:acme/payments:*',
      job_workflow_ref: 'acme/payments/.github/workflows/deploy.yml@*',
    });
  });
});

describe('trust policies: read, list, change, delete', () => {
  it('creates a custom policy with every field, and reads it back', async () => {
    const { t, serviceId } = await startFederationApp();
    const input = custom(serviceId, {
      issuer: 'http://127.0.0.1:8443',
      jwksUri: 'http://127.0.0.1:8443/keys',
      audience: 'https://api.acme.example',
      conditions: { sub: SA, 'kubernetes.io.namespace': ['payments', 'payments-*'] },
      scope: ['orders:read', 'orders:write'],
      maxTokenLifetimeSeconds: 43_200,
      requireDpop: true,
      enabled: false,
    });
    const body = await created(t, input);
    expect(body).toEqual(
      expected(t, serviceId, {
        name: 'payments deployer',
        issuer: 'http://127.0.0.1:8443',
        jwksUri: 'http://127.0.0.1:8443/keys',
        audience: 'https://api.acme.example',
        conditions: { sub: SA, 'kubernetes.io.namespace': ['payments', 'payments-*'] },
        scope: ['orders:read', 'orders:write'],
        maxTokenLifetimeSeconds: 43_200,
        requireDpop: true,
        enabled: false,
      }),
    );
    const read = await send(t, 'GET', `${TRUST_POLICIES}/${body.id}`);
    expect(read.json()).toEqual(body);
  });

  it('lists in order of creation, in pages, with X-Total-Count when count=true', async () => {
    const { t, serviceId } = await startFederationApp();
    const ids: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      ids.push((await created(t, custom(serviceId, { name }))).id);
      t.clock.advance(1000);
    }
    const all = await send(t, 'GET', `${TRUST_POLICIES}?count=true`);
    expect(all.statusCode).toBe(200);
    expect(all.headers['x-total-count']).toBe('3');
    expect(all.json<{ id: string; name: string }[]>().map((p) => [p.id, p.name])).toEqual([
      [ids[0], 'first'],
      [ids[1], 'second'],
      [ids[2], 'third'],
    ]);
    const first = await send(t, 'GET', `${TRUST_POLICIES}?limit=2&count=true`);
    expect(first.headers['x-total-count']).toBe('3');
    expect(first.json<{ id: string }[]>().map((p) => p.id)).toEqual(ids.slice(0, 2));
    const rest = await send(t, 'GET', `${TRUST_POLICIES}?limit=2&offset=2`);
    expect(rest.headers['x-total-count']).toBeUndefined();
    expect(rest.json<{ id: string }[]>().map((p) => p.id)).toEqual(ids.slice(2));
  });

  it('changes by merge patch: a rename, conditions replaced as a whole, a disable', async () => {
    const { t, serviceId } = await startFederationApp();
    const policy = await created(
      t,
      custom(serviceId, { conditions: { sub: SA, 'kubernetes.io.namespace': 'payments' } }),
    );
    t.clock.advance(1000);
    const renamed = await patch(t, policy.id, { name: 'payments deployer (prod)' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toEqual({
      ...policy,
      name: 'payments deployer (prod)',
      modified: t.clock.now().toISOString(),
    });
    const replaced = await patch(t, policy.id, {
      conditions: { sub: 'system:serviceaccount:payments:release' },
    });
    expect(replaced.json<Body>().conditions).toEqual({
      sub: 'system:serviceaccount:payments:release',
    });
    const disabled = await patch(t, policy.id, { enabled: false });
    expect(disabled.json<Body>()).toMatchObject({
      enabled: false,
      name: 'payments deployer (prod)',
    });
    const read = await send(t, 'GET', `${TRUST_POLICIES}/${policy.id}`);
    expect(read.json()).toEqual(disabled.json());
  });

  it('refuses a bad merge patch naming the field, changing nothing', async () => {
    const { t, serviceId } = await startFederationApp();
    const policy = await created(t, custom(serviceId));
    const cases: [Body, SailPointErrorSpec][] = [
      [{ conditions: { ref: 'refs/heads/main' } }, [400, ILLEGAL, PIN]],
      [{ conditions: { sub: 'system:serviceaccount:*' } }, [400, ILLEGAL, PIN]],
      [
        { issuer: 'https://ci:hunter2@issuer.example' },
        [400, ILLEGAL, "'issuer' must not carry a user name or password"],
      ],
      [
        { identityId: UNKNOWN_ID },
        [400, ILLEGAL, `'identityId' names no identity: '${UNKNOWN_ID}'`],
      ],
      [
        { template: 'gitlab-ci' },
        [400, BAD_CONTENT, "Unknown field 'template': this resource has no such field"],
      ],
      [
        { maxTokenLifetimeSeconds: 43_201 },
        [400, ILLEGAL, "'maxTokenLifetimeSeconds' must be <= 43200"],
      ],
    ];
    for (const [json, spec] of cases) {
      await expectNothingWritten(t, () => patch(t, policy.id, json), spec);
    }
  });

  it('deletes (204), then answers 404', async () => {
    const { t, serviceId } = await startFederationApp();
    const policy = await created(t, custom(serviceId));
    const url = `${TRUST_POLICIES}/${policy.id}`;
    const deleted = await send(t, 'DELETE', url);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    const gone: SailPointErrorSpec = [404, NOT_FOUND, `Trust policy '${policy.id}' was not found`];
    await expectNothingWritten(t, () => send(t, 'GET', url), gone);
    await expectNothingWritten(t, () => send(t, 'DELETE', url), gone);
    await expectNothingWritten(t, () => patch(t, policy.id, { name: 'again' }), gone);
    const list = await send(t, 'GET', `${TRUST_POLICIES}?count=true`);
    expect(list.json()).toEqual([]);
    expect(list.headers['x-total-count']).toBe('0');
  });

  it('answers 404 for an id not of the tp_ shape without echoing it', async () => {
    const { t } = await startFederationApp();
    const pasted = 'patina_0123456789ABCDEFGHIJabcdefghij';
    const spec: SailPointErrorSpec = [
      404,
      NOT_FOUND,
      'Trust policy was not found: the id is tp_ and 32 lowercase hex characters',
    ];
    for (const id of [pasted, UNKNOWN_ID]) {
      const url = `${TRUST_POLICIES}/${id}`;
      for (const res of [
        await expectNothingWritten(t, () => send(t, 'GET', url), spec),
        await expectNothingWritten(t, () => patch(t, id, { name: 'x' }), spec),
        await expectNothingWritten(t, () => send(t, 'DELETE', url), spec),
      ]) {
        expect(res.body).not.toContain(id);
      }
    }
  });
});

describe('trust policies: bad input is a 400 naming the field, and nothing is written', () => {
  const GH = { template: 'github-actions', templateParameters: { repository: 'acme/payments' } };
  const K8S = { issuer: EKS, namespace: 'payments', serviceAccount: 'deployer' };
  const cases: [string, (serviceId: string) => Body, SailPointErrorSpec][] = [
    [
      'conditions pinning nothing (only a ref)',
      (id) => custom(id, { conditions: { ref: 'refs/heads/main' } }),
      [400, ILLEGAL, PIN],
    ],
    ['sub repo:*', (id) => custom(id, { conditions: { sub: 'repo:*' } }), [400, ILLEGAL, PIN]],
    ['sub *', (id) => custom(id, { conditions: { sub: '*' } }), [400, ILLEGAL, PIN]],
    [
      'one alternative of sub only a wildcard',
      (id) => custom(id, { conditions: { sub: [SA, 'system:serviceaccount:*'] } }),
      [400, ILLEGAL, PIN],
    ],
    [
      'a repository of only wildcards',
      (id) => custom(id, { conditions: { repository: '*/*', ref: 'refs/heads/main' } }),
      [400, ILLEGAL, PIN],
    ],
    [
      'no issuer without a template',
      (id) => custom(id, { issuer: undefined }),
      [400, MISSING, "'issuer' is required and must not be empty"],
    ],
    [
      'no conditions without a template',
      (id) => custom(id, { conditions: undefined }),
      [400, MISSING, "'conditions' is required and must not be empty"],
    ],
    [
      'a template parameter missing',
      (id) => ({
        ...custom(id, { issuer: undefined, conditions: undefined }),
        ...GH,
        templateParameters: {},
      }),
      [400, ILLEGAL, "'templateParameters.repository' is required by the github-actions template"],
    ],
    [
      'a kubernetes parameter missing',
      (id) => ({
        ...custom(id, { issuer: undefined, conditions: undefined }),
        template: 'kubernetes',
        templateParameters: { issuer: EKS, namespace: 'payments' },
      }),
      [400, ILLEGAL, "'templateParameters.serviceAccount' is required by the kubernetes template"],
    ],
    [
      'a parameter not of the template',
      (id) => ({
        ...custom(id, { issuer: undefined, conditions: undefined }),
        template: 'github-actions',
        templateParameters: { repository: 'acme/payments', projectPath: 'acme/payments' },
      }),
      [
        400,
        ILLEGAL,
        "'templateParameters.projectPath' is not a parameter of the github-actions template (it takes repository, ref, environment)",
      ],
    ],
    [
      'a repository not owner/name',
      (id) => ({
        ...custom(id, { issuer: undefined, conditions: undefined }),
        template: 'github-actions',
        templateParameters: { repository: 'acme/*' },
      }),
      [400, ILLEGAL, "'templateParameters.repository' must be owner/name, e.g. acme/payments"],
    ],
    [
      'a gitlab project path with a wildcard (it would trust a whole group)',
      (id) => ({
        ...custom(id, { issuer: undefined, conditions: undefined }),
        template: 'gitlab-ci',
        templateParameters: { projectPath: 'acme/*' },
      }),
      [
        400,
        ILLEGAL,
        "'templateParameters.projectPath' must be a group/project path, e.g. acme/payments, without * or ?",
      ],
    ],
    [
      'a kubernetes namespace with *',
      (id) => ({
        ...custom(id, { issuer: undefined, conditions: undefined }),
        template: 'kubernetes',
        templateParameters: { ...K8S, namespace: '*' },
      }),
      [400, ILLEGAL, "'templateParameters.namespace' must be a plain name, without * ? or :"],
    ],
    [
      'a kubernetes service account with :',
      (id) => ({
        ...custom(id, { issuer: undefined, conditions: undefined }),
        template: 'kubernetes',
        templateParameters: { ...K8S, serviceAccount: 'payments:deployer' },
      }),
      [400, ILLEGAL, "'templateParameters.serviceAccount' must be a plain name, without * ? or :"],
    ],
    [
      'an issuer together with a template',
      (id) => ({ ...custom(id, { conditions: undefined, issuer: GITHUB }), ...GH }),
      [
        400,
        ILLEGAL,
        "'issuer' comes from the github-actions template; leave it out (a self-managed GitLab or a cluster's issuer goes in templateParameters.issuer)",
      ],
    ],
    [
      'templateParameters without a template',
      (id) => custom(id, { templateParameters: { repository: 'acme/payments' } }),
      [
        400,
        ILLEGAL,
        "'templateParameters' needs a 'template' (github-actions, gitlab-ci or kubernetes)",
      ],
    ],
    [
      'a condition the template sets',
      (id) => ({
        ...custom(id, { issuer: undefined }),
        ...GH,
        conditions: { sub: 'repo:acme/payments:ref:refs/heads/main' },
      }),
      [400, ILLEGAL, "'conditions.sub' is set by the github-actions template from its parameters"],
    ],
    [
      'a loopback issuer of a kubernetes template, not allowed here',
      (id) => ({
        ...custom(id, { issuer: undefined, conditions: undefined }),
        template: 'kubernetes',
        templateParameters: { ...K8S, issuer: 'https://127.0.0.1:6443' },
      }),
      [
        400,
        ILLEGAL,
        "'issuer' must reach a public address: 127.0.0.1 is private, loopback or reserved (federation.allowPrivateNetworks)",
      ],
    ],
    [
      'an issuer with a user and password',
      (id) => custom(id, { issuer: 'https://ci:hunter2@issuer.example' }),
      [400, ILLEGAL, "'issuer' must not carry a user name or password"],
    ],
    [
      'an issuer with a query',
      (id) => custom(id, { issuer: 'https://issuer.example/?tenant=acme' }),
      [400, ILLEGAL, "'issuer' must not have a query or a fragment"],
    ],
    [
      'a jwksUri with a fragment',
      (id) =>
        custom(id, { issuer: 'https://issuer.example', jwksUri: 'https://issuer.example/keys#a' }),
      [400, ILLEGAL, "'jwksUri' must not have a query or a fragment"],
    ],
    [
      'an issuer not a URL',
      (id) => custom(id, { issuer: 'token.actions.githubusercontent.com' }),
      [
        400,
        ILLEGAL,
        "'issuer' must be an absolute URL such as https://token.actions.githubusercontent.com",
      ],
    ],
    [
      'an unknown identityId',
      (id) => custom(id, { identityId: UNKNOWN_ID }),
      [400, ILLEGAL, `'identityId' names no identity: '${UNKNOWN_ID}'`],
    ],
    [
      'a scope not in the catalogue',
      (id) => custom(id, { scope: ['orders:read', 'billing:write'] }),
      [
        400,
        ILLEGAL,
        "Scope 'billing:write' is not in the scope catalogue; add it to the `scopes` setting of the config file",
      ],
    ],
    [
      'maxTokenLifetimeSeconds under a minute',
      (id) => custom(id, { maxTokenLifetimeSeconds: 59 }),
      [400, ILLEGAL, "'maxTokenLifetimeSeconds' must be >= 60"],
    ],
    [
      'maxTokenLifetimeSeconds over 12 hours',
      (id) => custom(id, { maxTokenLifetimeSeconds: 43_201 }),
      [400, ILLEGAL, "'maxTokenLifetimeSeconds' must be <= 43200"],
    ],
    [
      'an unknown template',
      (id) => ({ ...custom(id, { issuer: undefined }), template: 'jenkins' }),
      [400, ILLEGAL, "'template' must be one of: github-actions, gitlab-ci, kubernetes"],
    ],
    [
      'an unknown property',
      (id) => custom(id, { color: 'red' }),
      [400, BAD_CONTENT, "Unknown field 'color': this resource has no such field"],
    ],
    [
      'an unknown template parameter',
      (id) => ({
        ...custom(id, { issuer: undefined }),
        ...GH,
        templateParameters: { repo: 'a/b' },
      }),
      [
        400,
        BAD_CONTENT,
        "Unknown field 'templateParameters.repo': this resource has no such field",
      ],
    ],
  ];
  for (const [name, body, spec] of cases) {
    it(name, async () => {
      // The deployment's defaults: https issuers on public addresses only.
      const { t, serviceId } = await startFederationApp({
        federation: { allowHttp: false, allowPrivateNetworks: false },
      });
      // One policy already there: a refusal leaves it, and the count, as they were.
      await created(t, custom(serviceId));
      await expectNothingWritten(t, () => post(t, body(serviceId)), spec);
      const list = await send(t, 'GET', `${TRUST_POLICIES}?count=true`);
      expect(list.headers['x-total-count']).toBe('1');
    });
  }

  it('an http issuer or key set where federation.allowHttp is off', async () => {
    const t = await startTestApp();
    const identityId = t.admin.identity.id;
    for (const [field, json] of [
      ['issuer', custom(identityId, { issuer: 'http://issuer.example' })],
      [
        'jwksUri',
        custom(identityId, {
          issuer: 'https://issuer.example',
          jwksUri: 'http://issuer.example/keys',
        }),
      ],
    ] as const) {
      await expectNothingWritten(t, () => post(t, json), [
        400,
        ILLEGAL,
        `'${field}' must be https: this deployment does not allow plain http (federation.allowHttp)`,
      ]);
    }
  });

  it('a loopback issuer where federation.allowPrivateNetworks is off', async () => {
    const t = await startTestApp({ config: { federation: { allowHttp: true } } });
    for (const issuer of ['http://127.0.0.1:8443', 'https://[::1]:8443', 'https://10.0.0.7']) {
      const address = new URL(issuer).hostname.replace(/^\[|\]$/g, '');
      await expectNothingWritten(t, () => post(t, custom(t.admin.identity.id, { issuer })), [
        400,
        ILLEGAL,
        `'issuer' must reach a public address: ${address} is private, loopback or reserved (federation.allowPrivateNetworks)`,
      ]);
    }
    // The same issuer is accepted where the deployment allows it.
    const lab = await startTestApp({ config: LOCAL_FEDERATION });
    const res = await post(lab, custom(lab.admin.identity.id, { issuer: 'http://127.0.0.1:8443' }));
    expect(res.statusCode, res.body).toBe(201);
  });
});

describe('trust policies: rights', () => {
  it('refuses a plain USER reading or creating (403), naming the right', async () => {
    const { t, serviceId } = await startFederationApp();
    const plain = await t.user({ name: 'Plain', login: 'plain' });
    const policy = await created(t, custom(serviceId));
    const url = `${TRUST_POLICIES}/${policy.id}`;
    await expectNothingWritten(t, () => send(t, 'GET', TRUST_POLICIES, undefined, plain.token), [
      403,
      FORBIDDEN,
      NEEDS_READ,
    ]);
    await expectNothingWritten(t, () => send(t, 'GET', url, undefined, plain.token), [
      403,
      FORBIDDEN,
      NEEDS_READ,
    ]);
    const refused = await expectNothingWritten(t, () => post(t, custom(serviceId), plain.token), [
      403,
      FORBIDDEN,
      NEEDS_MANAGE,
    ]);
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer realm="patina", error="insufficient_scope", scope="sp:all-personal-access-tokens:manage"',
    );
    const anonymous = await t.request({ method: 'GET', url: TRUST_POLICIES });
    expect(anonymous.statusCode).toBe(401);
  });

  it('lets all-read list and get, but not create, change or delete', async () => {
    const { t, serviceId } = await startFederationApp();
    const auditor = await t.user({ name: 'Audrey', login: 'audrey', roles: ['AUDITOR'] });
    const policy = await created(t, custom(serviceId));
    const url = `${TRUST_POLICIES}/${policy.id}`;
    const list = await send(t, 'GET', TRUST_POLICIES, undefined, auditor.token);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([policy]);
    const one = await send(t, 'GET', url, undefined, auditor.token);
    expect(one.json()).toEqual(policy);
    const refusal: SailPointErrorSpec = [403, FORBIDDEN, NEEDS_MANAGE];
    await expectNothingWritten(t, () => post(t, custom(serviceId), auditor.token), refusal);
    await expectNothingWritten(
      t,
      () => patch(t, policy.id, { enabled: false }, auditor.token),
      refusal,
    );
    await expectNothingWritten(t, () => send(t, 'DELETE', url, undefined, auditor.token), refusal);
  });
});

describe('trust policies: the audit trail', () => {
  async function rows(t: TestApp) {
    const events = await t.auditEvents();
    return events
      .filter((e) => e.type.startsWith('TRUST_POLICY_'))
      .map((e) => ({
        type: e.type,
        actor: e.actor_id,
        target: [e.target_type, e.target_id, e.target_name],
        outcome: e.outcome,
        details: JSON.parse(e.details) as unknown,
      }));
  }

  it('records a create, each change with what it ends, and a delete', async () => {
    const { t, serviceId } = await startFederationApp();
    const admin = t.admin.identity.id;
    const policy = await created(t, custom(serviceId));
    const target = ['TRUST_POLICY', policy.id, 'payments deployer'];
    const changes: [Body, Body][] = [
      [{ name: 'payments deployer' }, {}], // no change: no row
      [
        { maxTokenLifetimeSeconds: 600 },
        { changed: ['maxTokenLifetimeSeconds'], enabled: true, endsTokens: null },
      ],
      [
        { conditions: { sub: `${SA}-2`, aud: 'patina' } },
        { changed: ['conditions'], enabled: true, endsTokens: 'update' },
      ],
      // The same conditions in another order: no change, no row, no token ended.
      [{ conditions: { aud: 'patina', sub: `${SA}-2` } }, {}],
      [
        { scope: ['orders:read', 'orders:write'] },
        { changed: ['scope'], enabled: true, endsTokens: 'update' },
      ],
      [{ enabled: false }, { changed: ['enabled'], enabled: false, endsTokens: 'revoke' }],
      [{ enabled: true }, { changed: ['enabled'], enabled: true, endsTokens: null }],
    ];
    for (const [json] of changes) {
      expect((await patch(t, policy.id, json)).statusCode).toBe(200);
    }
    const renamed = await patch(t, policy.id, { name: 'payments release' });
    expect(renamed.statusCode).toBe(200);
    expect((await send(t, 'DELETE', `${TRUST_POLICIES}/${policy.id}`)).statusCode).toBe(204);
    const updated = (details: Body) => ({
      type: 'TRUST_POLICY_UPDATED',
      actor: admin,
      target,
      outcome: 'SUCCESS',
      details,
    });
    const renamedTarget = ['TRUST_POLICY', policy.id, 'payments release'];
    expect(await rows(t)).toEqual([
      {
        type: 'TRUST_POLICY_CREATED',
        actor: admin,
        target,
        outcome: 'SUCCESS',
        details: {
          issuer: 'https://issuer.example',
          identityId: serviceId,
          scope: ['orders:read'],
          conditions: { sub: SA },
          enabled: true,
        },
      },
      // The entries with no details are the patches that changed nothing: no row.
      ...changes
        .filter(([, details]) => Object.keys(details).length > 0)
        .map(([, d]) => updated(d)),
      {
        ...updated({ changed: ['name'], enabled: true, endsTokens: null }),
        target: renamedTarget,
      },
      {
        type: 'TRUST_POLICY_DELETED',
        actor: admin,
        target: renamedTarget,
        outcome: 'SUCCESS',
        details: { issuer: 'https://issuer.example', identityId: serviceId },
      },
    ]);
  });

  it('says revoke for a disable that changes more at once', async () => {
    const { t, serviceId } = await startFederationApp();
    const policy = await created(t, custom(serviceId));
    const res = await patch(t, policy.id, {
      name: 'old deployer',
      scope: ['orders:write'],
      enabled: false,
    });
    expect(res.statusCode).toBe(200);
    const [event] = await t.auditEvents('TRUST_POLICY_UPDATED');
    expect(JSON.parse(event!.details)).toEqual({
      changed: ['name', 'scope', 'enabled'],
      enabled: false,
      endsTokens: 'revoke',
    });
  });
});
