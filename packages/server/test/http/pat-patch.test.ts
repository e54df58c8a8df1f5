import { describe, expect, it } from 'vitest';
import {
  expectRefused,
  ILLEGAL,
  MAX_EXPIRY,
  MISSING,
  PAT_SURFACES,
  startTestApp,
  V3,
  type TestApp,
} from '../helpers.js';

const PATCHABLE = 'patchable: /name, /scope, /expirationDate, /userAwareTokenNeverExpires';

type Options = { url?: string; token?: string; headers?: Record<string, string> };

function patch(t: TestApp, id: string, json: unknown, options: Options = {}) {
  return t.request({
    method: 'PATCH',
    url: `${options.url ?? V3}/${id}`,
    token: options.token ?? t.admin.token,
    json,
    ...(options.headers && { headers: options.headers }),
  });
}

/** The Get response of one PAT, through the list (as an administrator). */
async function getPat(t: TestApp, id: string, url: string = V3) {
  const listed = await t.request({ method: 'GET', url, token: t.admin.token });
  expect(listed.statusCode).toBe(200);
  return listed.json<{ id: string }[]>().find((p) => p.id === id);
}

/** An admin-owned PAT named 'Deploy' with scope orders:read. */
async function deployPat(t: TestApp) {
  return t.mintPat(t.admin.identity.id, { name: 'Deploy', scope: ['orders:read'] });
}

describe('PATCH personal-access-tokens/{id}: name', () => {
  it.each(PAT_SURFACES)('%s renames (trimmed) and answers the Get response', async (url) => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    t.clock.advance(1000);
    const response = await patch(t, id, [{ op: 'replace', path: '/name', value: '  Ship  ' }], {
      url,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      id,
      name: 'Ship',
      scope: ['orders:read'],
      owner: { type: 'IDENTITY', id: t.admin.identity.id, name: 'Ada Admin' },
      created: '2026-01-15T10:00:00.000Z',
      lastUsed: null,
      managed: false,
      accessTokenValiditySeconds: 43200,
      expirationDate: MAX_EXPIRY,
      userAwareTokenNeverExpires: false,
    });
    expect(await getPat(t, id, url)).toStrictEqual(response.json());
  });

  it("refuses the name of another of the owner's PATs", async () => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(
      t,
      () => patch(t, id, [{ op: 'replace', path: '/name', value: ' login ' }]),
      [
        400,
        '400.1.409 Reference conflict',
        "The owner already has a personal access token named 'login'",
      ],
    );
  });

  it("accepts the name of another owner's PAT", async () => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    const user = await t.user({ name: 'Ulf User', login: 'ulf' });
    await t.mintPat(user.identity.id, { name: 'Taken elsewhere' });
    const response = await patch(t, id, [
      { op: 'replace', path: '/name', value: 'Taken elsewhere' },
    ]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'Taken elsewhere' });
  });

  it.each([
    ['   ', [400, MISSING, "'name' is required and must not be empty"]],
    ['n'.repeat(129), [400, ILLEGAL, "'name' must be at most 128 characters after trimming"]],
    [5, [400, ILLEGAL, "'name' must be a string"]],
    [null, [400, MISSING, "'name' is required and must not be empty"]],
  ] as const)('refuses the name %j', async (value, error) => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(t, () => patch(t, id, [{ op: 'replace', path: '/name', value }]), error);
  });

  it('refuses removing the name', async () => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(t, () => patch(t, id, [{ op: 'remove', path: '/name' }]), [
      400,
      MISSING,
      "'name' is required and must not be empty",
    ]);
  });
});

describe('PATCH personal-access-tokens/{id}: scope', () => {
  it.each([
    [[{ op: 'replace', path: '/scope', value: ['orders:write'] }], ['orders:write']],
    [[{ op: 'add', path: '/scope/-', value: 'orders:write' }], ['orders:read', 'orders:write']],
    [[{ op: 'add', path: '/scope/0', value: 'orders:write' }], ['orders:write', 'orders:read']],
    [
      [
        { op: 'add', path: '/scope/-', value: 'orders:write' },
        { op: 'remove', path: '/scope/0' },
      ],
      ['orders:write'],
    ],
    [[{ op: 'replace', path: '/scope', value: null }], ['sp:scopes:all']],
    [[{ op: 'remove', path: '/scope' }], ['sp:scopes:all']],
  ])('applies %j', async (operations, scope) => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    const response = await patch(t, id, operations);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id, scope });
    expect(await getPat(t, id)).toMatchObject({ scope });
  });

  it.each([
    [
      [{ op: 'add', path: '/scope/-', value: 'payments:refund' }],
      "Scope 'payments:refund' is not in the scope catalogue; add it to the `scopes` setting of the config file",
    ],
    [
      [{ op: 'remove', path: '/scope/0' }],
      "'scope' must name at least one scope, or be null for the default",
    ],
    [
      [{ op: 'replace', path: '/scope', value: [] }],
      "'scope' must name at least one scope, or be null for the default",
    ],
    [
      [{ op: 'replace', path: '/scope', value: 'orders:write' }],
      "'scope' must be an array of strings or null",
    ],
    [[{ op: 'add', path: '/scope/-', value: 7 }], "'scope' must be an array of strings or null"],
  ])('refuses %j', async (operations, text) => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(t, () => patch(t, id, operations), [400, ILLEGAL, text]);
  });

  it('refuses removing a scope element that does not exist', async () => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(t, () => patch(t, id, [{ op: 'remove', path: '/scope/5' }]), [
      400,
      '400.1 Bad Request Content',
      'Patch operation 0 failed: the path cannot be applied to this token',
    ]);
  });
});

describe('PATCH personal-access-tokens/{id}: operations', () => {
  it('applies the patch when a test operation holds', async () => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    const response = await patch(t, id, [
      { op: 'test', path: '/name', value: 'Deploy' },
      { op: 'test', path: '/scope', value: ['orders:read'] },
      { op: 'replace', path: '/name', value: 'Ship' },
    ]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'Ship' });
  });

  it('a patch of only a holding test changes nothing and records nothing', async () => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    const before = await t.snapshot();
    const response = await patch(t, id, [{ op: 'test', path: '/name', value: 'Deploy' }]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id, name: 'Deploy' });
    expect(await t.snapshot()).toEqual(before);
  });

  it.each([
    [
      'a failing test',
      [{ op: 'test', path: '/name', value: 'Other' }],
      [400, '400.1 Bad Request Content', 'Patch operation 0 failed: the test operation failed'],
    ],
    [
      'a rename followed by a failing test',
      [
        { op: 'replace', path: '/name', value: 'Ship' },
        { op: 'test', path: '/name', value: 'Deploy' },
      ],
      [400, '400.1 Bad Request Content', 'Patch operation 1 failed: the test operation failed'],
    ],
    [
      'a rename followed by a forbidden path',
      [
        { op: 'replace', path: '/name', value: 'Ship' },
        { op: 'replace', path: '/managed', value: true },
      ],
      [
        400,
        '400.1 Bad Request Content',
        `Patch operation 1 may not touch '/managed'; ${PATCHABLE}`,
      ],
    ],
    [
      'a rename followed by an unknown scope',
      [
        { op: 'replace', path: '/name', value: 'Ship' },
        { op: 'add', path: '/scope/-', value: 'payments:refund' },
      ],
      [
        400,
        ILLEGAL,
        "Scope 'payments:refund' is not in the scope catalogue; add it to the `scopes` setting of the config file",
      ],
    ],
    [
      'a rename followed by a past expirationDate',
      [
        { op: 'replace', path: '/name', value: 'Ship' },
        { op: 'replace', path: '/expirationDate', value: '2025-01-01T00:00:00Z' },
      ],
      [400, ILLEGAL, "'expirationDate' must be in the future"],
    ],
    [
      'a rename followed by an op without value',
      [
        { op: 'replace', path: '/name', value: 'Ship' },
        { op: 'add', path: '/scope/-' },
      ],
      [400, MISSING, "'[1].value' is required and must not be empty"],
    ],
  ] as const)('refuses %s and changes nothing', async (_what, operations, error) => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(t, () => patch(t, id, operations), error);
    expect(await getPat(t, id)).toMatchObject({ name: 'Deploy', scope: ['orders:read'] });
  });

  it.each([
    '/id',
    '/owner',
    '/owner/id',
    '/created',
    '/lastUsed',
    '/managed',
    '/accessTokenValiditySeconds',
    '/secret',
    '',
    '/',
    'name',
    '/name/0',
    '/scope/0/x',
  ])('refuses the path %j, naming it', async (path) => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(t, () => patch(t, id, [{ op: 'replace', path, value: 'x' }]), [
      400,
      '400.1 Bad Request Content',
      `Patch operation 0 may not touch '${path}'; ${PATCHABLE}`,
    ]);
  });

  it.each([
    [{ op: 'move', from: '/name', path: '/id' }, '/id'],
    [{ op: 'copy', from: '/name', path: '/owner' }, '/owner'],
    [{ op: 'copy', from: '/secret', path: '/name' }, '/secret'],
    [{ op: 'move', from: '/created', path: '/expirationDate' }, '/created'],
  ])('refuses %j, naming the path', async (operation, path) => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(t, () => patch(t, id, [operation]), [
      400,
      '400.1 Bad Request Content',
      `Patch operation 0 may not touch '${path}'; ${PATCHABLE}`,
    ]);
  });

  it.each(['add', 'replace', 'test'])('refuses %s without a value', async (op) => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(t, () => patch(t, id, [{ op, path: '/name' }]), [
      400,
      MISSING,
      "'[0].value' is required and must not be empty",
    ]);
  });

  it.each([
    [
      [{ op: 'frobnicate', path: '/name', value: 'x' }],
      ILLEGAL,
      "'[0].op' must be one of: add, remove, replace, move, copy, test",
    ],
    [[{ path: '/name', value: 'x' }], MISSING, "Required '[0].op' is missing"],
    [[{ op: 'replace', value: 'x' }], MISSING, "Required '[0].path' is missing"],
    [
      [{ op: 'replace', path: '/name', value: 'x', extra: 1 }],
      '400.1 Bad Request Content',
      "Unknown field '[0].extra': this resource has no such field",
    ],
    [{ op: 'replace', path: '/name', value: 'x' }, ILLEGAL, "'body' must be an array"],
    [['replace'], ILLEGAL, "'[0]' must be an object"],
  ])('refuses the malformed patch %j', async (json, detailCode, text) => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(t, () => patch(t, id, json), [400, detailCode, text]);
  });

  it('refuses an empty patch', async () => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(t, () => patch(t, id, []), [
      400,
      MISSING,
      "'body' is required and must not be empty",
    ]);
  });

  it('refuses a merge-patch content type with 415 and changes nothing', async () => {
    const t = await startTestApp();
    const { id } = await deployPat(t);
    await expectRefused(
      t,
      () =>
        patch(t, id, [{ op: 'replace', path: '/name', value: 'Ship' }], {
          headers: { 'content-type': 'application/merge-patch+json' },
        }),
      [
        415,
        '415 Unsupported Media Type',
        'The request Content-Type must be application/json-patch+json or application/json',
      ],
    );
  });

  it('also accepts the patch array sent as plain application/json', async () => {
    // Fastify's JSON parser reads application/json; the body schema still demands a patch array.
    const t = await startTestApp();
    const { id } = await deployPat(t);
    const headers = { 'content-type': 'application/json' };
    const response = await patch(t, id, [{ op: 'replace', path: '/name', value: 'Ship' }], {
      headers,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'Ship' });
    await expectRefused(t, () => patch(t, id, { name: 'Merge-patch style' }, { headers }), [
      400,
      ILLEGAL,
      "'body' must be an array",
    ]);
  });
});
