import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  expectRefused,
  HEX32,
  ILLEGAL,
  MISSING,
  NEEDS_MY_MANAGE,
  PAT_SURFACES,
  START,
  startTestApp,
  UNKNOWN_ID,
  V3,
  type TestApp,
} from '../helpers.js';

/** A valid expiry on every surface (v2026 and v1 require one). */
const DATE = '2026-03-01T00:00:00.000Z';

function post(t: TestApp, json: unknown, options: { url?: string; token?: string } = {}) {
  return t.request({
    method: 'POST',
    url: options.url ?? V3,
    token: options.token ?? t.admin.token,
    json,
  });
}

function illegal(text: string): [number, string, string] {
  return [400, ILLEGAL, text];
}

describe('POST personal-access-tokens: the create response', () => {
  it.each(PAT_SURFACES)('%s answers 200 with exactly the create fields', async (url) => {
    const t = await startTestApp();
    t.clock.advance(1234);
    const response = await post(t, { name: '  CI pipeline  ', expirationDate: DATE }, { url });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ id: string; secret: string }>();
    expect(body.id).toMatch(HEX32);
    expect(body.secret).toMatch(/^patina_[0-9A-Za-z]{57}$/);
    expect(body).toStrictEqual({
      id: body.id,
      secret: body.secret,
      scope: ['sp:scopes:all'],
      name: 'CI pipeline',
      owner: { type: 'IDENTITY', id: t.admin.identity.id, name: 'Ada Admin' },
      created: '2026-01-15T10:00:01.234Z',
      accessTokenValiditySeconds: 43200,
      expirationDate: DATE,
    });
    expect(body.secret).toHaveLength(64);
  });

  it.each(PAT_SURFACES)('%s: the secret is returned once and stored nowhere', async (url) => {
    const t = await startTestApp();
    const created = await post(t, { name: 'once', expirationDate: DATE }, { url });
    const { id, secret } = created.json<{ id: string; secret: string }>();

    const listed = await t.request({
      method: 'GET',
      url: `${url}?owner-id=me`,
      token: t.admin.token,
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(secret);
    expect(listed.json<{ id: string }[]>().find((p) => p.id === id)).toStrictEqual({
      id,
      name: 'once',
      scope: ['sp:scopes:all'],
      owner: { type: 'IDENTITY', id: t.admin.identity.id, name: 'Ada Admin' },
      created: START,
      lastUsed: null,
      managed: false,
      accessTokenValiditySeconds: 43200,
      expirationDate: DATE,
      userAwareTokenNeverExpires: false,
    });
    expect(JSON.stringify(await t.snapshot())).not.toContain(secret);
    // It is nevertheless the working credential.
    expect((await t.exchange(id, secret)).statusCode).toBe(200);
  });

  it('gives each PAT its own id and secret', async () => {
    const t = await startTestApp();
    const a = (await post(t, { name: 'a' })).json<{ id: string; secret: string }>();
    const b = (await post(t, { name: 'b' })).json<{ id: string; secret: string }>();
    expect(a.id).not.toBe(b.id);
    expect(a.secret).not.toBe(b.secret);
  });
});

describe('POST personal-access-tokens: defaults', () => {
  it.each(PAT_SURFACES)('%s: scope absent or null means sp:scopes:all', async (url) => {
    const t = await startTestApp();
    const absent = await post(t, { name: 'absent', expirationDate: DATE }, { url });
    const nulled = await post(t, { name: 'null', scope: null, expirationDate: DATE }, { url });
    expect(absent.json()).toMatchObject({ scope: ['sp:scopes:all'] });
    expect(nulled.json()).toMatchObject({ scope: ['sp:scopes:all'] });
  });

  it.each(PAT_SURFACES)('%s: accessTokenValiditySeconds defaults to 43200', async (url) => {
    const t = await startTestApp();
    const response = await post(t, { name: 'default validity', expirationDate: DATE }, { url });
    expect(response.json()).toMatchObject({ accessTokenValiditySeconds: 43200 });
  });
});

describe('POST personal-access-tokens: name', () => {
  it('trims the name and accepts 128 characters after trimming', async () => {
    const t = await startTestApp();
    const name = 'n'.repeat(128);
    const response = await post(t, { name: `  ${name}\t ` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name });
  });

  it('refuses 129 characters after trimming', async () => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () => post(t, { name: ` ${'n'.repeat(129)} ` }),
      illegal("'name' must be at most 128 characters after trimming"),
    );
  });

  it.each(['', '   ', '\t\n'])('refuses an empty or blank name (%j)', async (name) => {
    const t = await startTestApp();
    await expectRefused(t, () => post(t, { name }), [
      400,
      MISSING,
      "'name' is required and must not be empty",
    ]);
  });

  it('refuses a missing name', async () => {
    const t = await startTestApp();
    await expectRefused(t, () => post(t, { scope: ['orders:read'] }), [
      400,
      MISSING,
      "Required 'name' is missing",
    ]);
  });

  it('refuses a second PAT with the same (trimmed) name for one owner', async () => {
    const t = await startTestApp();
    expect((await post(t, { name: 'Deploy' })).statusCode).toBe(200);
    await expectRefused(t, () => post(t, { name: ' Deploy ' }), [
      400,
      '400.1.409 Reference conflict',
      "The owner already has a personal access token named 'Deploy'",
    ]);
  });

  it('allows the same name for a different owner', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Uma User', login: 'uma' });
    expect((await post(t, { name: 'Shared' }, { token: user.token })).statusCode).toBe(200);
    const mine = await post(t, { name: 'Shared' });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ name: 'Shared', owner: { id: t.admin.identity.id } });
  });

  it("allows a deleted PAT's name to be used again", async () => {
    const t = await startTestApp();
    const first = (await post(t, { name: 'Reused' })).json<{ id: string }>();
    expect((await t.deletePat(first.id)).statusCode).toBe(204);
    const second = await post(t, { name: 'Reused' });
    expect(second.statusCode).toBe(200);
    expect(second.json<{ id: string }>().id).not.toBe(first.id);
  });
});

describe('POST personal-access-tokens: scope', () => {
  it('accepts catalogued scopes and sp:scopes:all', async () => {
    const t = await startTestApp();
    const response = await post(t, { name: 'orders', scope: ['orders:read', 'orders:write'] });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ scope: ['orders:read', 'orders:write'] });
    const all = await post(t, { name: 'all', scope: ['sp:scopes:all'] });
    expect(all.json()).toMatchObject({ scope: ['sp:scopes:all'] });
  });

  it('accepts the idn: spelling of a built-in right', async () => {
    const t = await startTestApp();
    const response = await post(t, { name: 'idn', scope: ['idn:my-personal-access-tokens:read'] });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ scope: ['idn:my-personal-access-tokens:read'] });
  });

  it('stores a catalogued scope the owner lacks', async () => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Uma User', login: 'uma' });
    const response = await post(
      t,
      { name: 'orders', scope: ['orders:write'] },
      { token: user.token },
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ scope: ['orders:write'] });
    const rows = await t.storage.db
      .selectFrom('personal_access_tokens')
      .select('scope')
      .where('id', '=', response.json<{ id: string }>().id)
      .execute();
    expect(rows.map((r) => JSON.parse(r.scope) as unknown)).toEqual([['orders:write']]);
  });

  it('refuses a scope that is not catalogued, naming it', async () => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () => post(t, { name: 'bad', scope: ['orders:read', 'payments:refund'] }),
      illegal(
        "Scope 'payments:refund' is not in the scope catalogue; add it to the `scopes` setting of the config file",
      ),
    );
  });

  it('refuses an empty scope array', async () => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () => post(t, { name: 'empty', scope: [] }),
      illegal("'scope' must name at least one scope, or be null for the default"),
    );
  });
});

describe('POST personal-access-tokens: accessTokenValiditySeconds', () => {
  it.each([15, 43200, 3600])('accepts %i', async (seconds) => {
    const t = await startTestApp();
    const response = await post(t, { name: 'v', accessTokenValiditySeconds: seconds });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ accessTokenValiditySeconds: seconds });
  });

  it.each([14, 43201, 0, -1])('refuses %i', async (seconds) => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () => post(t, { name: 'v', accessTokenValiditySeconds: seconds }),
      illegal("'accessTokenValiditySeconds' must be between 15 and 43200"),
    );
  });
});

describe('POST personal-access-tokens: unknown fields and wrong types', () => {
  it.each([
    ['owner', { type: 'IDENTITY', id: UNKNOWN_ID, name: 'Someone' }],
    ['managed', true],
    ['managed', false],
    ['id', UNKNOWN_ID],
    ['created', START],
    ['lastUsed', null],
    ['ownerId', 'x'],
  ])('refuses the unknown field %s', async (field, value) => {
    const t = await startTestApp();
    await expectRefused(t, () => post(t, { name: 'x', [field]: value }), [
      400,
      '400.1 Bad Request Content',
      `Unknown field '${field}': this resource has no such field`,
    ]);
  });

  it.each([
    [{ name: 5 }, "'name' must be a string"],
    [{ name: null }, "'name' must be a string"],
    [{ name: ['a'] }, "'name' must be a string"],
    [{ name: 'x', scope: 'orders:read' }, "'scope' must be an array or null"],
    [{ name: 'x', scope: [1] }, "'scope[0]' must be a string"],
    [
      { name: 'x', accessTokenValiditySeconds: 1.5 },
      "'accessTokenValiditySeconds' must be an integer",
    ],
    [
      { name: 'x', accessTokenValiditySeconds: '60' },
      "'accessTokenValiditySeconds' must be an integer",
    ],
    [
      { name: 'x', accessTokenValiditySeconds: null },
      "'accessTokenValiditySeconds' must be an integer",
    ],
    [{ name: 'x', expirationDate: 1768471200000 }, "'expirationDate' must be a string or null"],
    [
      { name: 'x', userAwareTokenNeverExpires: 'true' },
      "'userAwareTokenNeverExpires' must be a boolean",
    ],
    [
      { name: 'x', userAwareTokenNeverExpires: null },
      "'userAwareTokenNeverExpires' must be a boolean",
    ],
  ])('refuses %j', async (json, text) => {
    const t = await startTestApp();
    await expectRefused(t, () => post(t, json), illegal(text));
  });

  it.each([['a string'], [[{ name: 'x' }]], [null]])(
    'refuses the non-object body %j',
    async (json) => {
      const t = await startTestApp();
      await expectRefused(t, () => post(t, json), illegal("'body' must be an object"));
    },
  );
});

describe('POST personal-access-tokens: per-owner limit', () => {
  it('refuses one PAT more than maxTokensPerOwner, for that owner only', async () => {
    const t = await startTestApp({ config: { policy: { maxTokensPerOwner: 3 } } });
    // The admin already holds its 'login' PAT.
    expect((await post(t, { name: 'two' })).statusCode).toBe(200);
    const third = await post(t, { name: 'three' });
    expect(third.statusCode).toBe(200);
    await expectRefused(t, () => post(t, { name: 'four' }), [
      400,
      '400.1.4 Limit violation',
      'The owner already holds the maximum of 3 personal access tokens',
    ]);

    const user = await t.user({ name: 'Uma User', login: 'uma' });
    expect((await post(t, { name: 'four' }, { token: user.token })).statusCode).toBe(200);

    // A deleted PAT no longer counts.
    const id = third.json<{ id: string }>().id;
    expect((await t.deletePat(id)).statusCode).toBe(204);
    expect((await post(t, { name: 'four' })).statusCode).toBe(200);
  });

  // docs/rules.md, "The PAT API" (Limit): expired PATs count (they are listed until deleted).
  it('counts an expired PAT until it is deleted', async () => {
    const t = await startTestApp({ config: { policy: { maxTokensPerOwner: 2 } } });
    const short = await post(t, { name: 'short', expirationDate: '2026-01-16T10:00:00.000Z' });
    expect(short.statusCode).toBe(200);
    t.clock.advance(2 * DAY_MS);
    const token = await t.accessToken(t.admin.patId, t.admin.secret);
    const listed = await t.request({
      method: 'GET',
      url: `/patina/v1/personal-access-tokens?owner-id=me`,
      token,
    });
    // Both were made at the same instant: the list's order between them is the ids', random.
    expect(
      listed
        .json<{ name: string; status: string }[]>()
        .map((p) => [p.name, p.status])
        .sort(),
    ).toEqual([
      ['login', 'ACTIVE'],
      ['short', 'EXPIRED'],
    ]);
    await expectRefused(t, () => post(t, { name: 'three' }, { token }), [
      400,
      '400.1.4 Limit violation',
      'The owner already holds the maximum of 2 personal access tokens',
    ]);
    const id = short.json<{ id: string }>().id;
    expect((await t.deletePat(id, token)).statusCode).toBe(204);
    expect((await post(t, { name: 'three' }, { token })).statusCode).toBe(200);
  });
});

describe('POST personal-access-tokens: rights', () => {
  it.each(PAT_SURFACES)('%s: a USER creates a PAT for themself', async (url) => {
    const t = await startTestApp();
    const user = await t.user({ name: 'Uma User', login: 'uma' });
    const response = await post(
      t,
      { name: 'mine', expirationDate: DATE },
      { url, token: user.token },
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      owner: { type: 'IDENTITY', id: user.identity.id, name: 'Uma User' },
    });
  });

  it.each(PAT_SURFACES)(
    '%s: an identity with only all-read (AUDITOR) may not create',
    async (url) => {
      const t = await startTestApp();
      const auditor = await t.user({ name: 'Otto Auditor', login: 'otto', roles: ['AUDITOR'] });
      await expectRefused(
        t,
        () => post(t, { name: 'nope', expirationDate: DATE }, { url, token: auditor.token }),
        [403, '403 Forbidden', NEEDS_MY_MANAGE.create],
      );
    },
  );

  it('records a PERSONAL_ACCESS_TOKEN_CREATED event without the secret', async () => {
    const t = await startTestApp();
    const created = (await post(t, { name: 'audited', scope: ['orders:read'] })).json<{
      id: string;
      secret: string;
    }>();
    const events = await t.auditEvents('PERSONAL_ACCESS_TOKEN_CREATED');
    const event = events.find((e) => e.target_id === created.id);
    expect(event).toMatchObject({
      actor_id: t.admin.identity.id,
      target_name: 'audited',
      outcome: 'SUCCESS',
    });
    expect(JSON.stringify(events)).not.toContain(created.secret);
  });
});
