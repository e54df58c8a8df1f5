import { RIGHTS, SCIM_MEDIA_TYPE, SCIM_SCHEMAS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { ENTRA_CREATE_USER, expectScimError, OKTA_CREATE_USER, startScim } from './scim-setup.js';

/** Bad input and bad callers: a SCIM error (RFC 7644 §3.12) each, and nothing half-written. */

describe('SCIM bad input', () => {
  it('refuses unknown attributes, wrong types and missing schemas (400), writing nothing', async () => {
    const s = await startScim();
    // The directory's first call notes its PAT as used; the snapshot is taken after it.
    await s.scim('GET', '/ServiceProviderConfig');
    const before = await s.t.snapshot();
    const cases: [unknown, string, RegExp][] = [
      [
        { ...OKTA_CREATE_USER, favouriteColour: 'blue' },
        'invalidValue',
        /Unknown attribute 'favouriteColour'/,
      ],
      [{ ...OKTA_CREATE_USER, userName: 42 }, 'invalidValue', /'userName'/],
      [{ ...OKTA_CREATE_USER, active: 'maybe' }, 'invalidValue', /'active' must be a boolean/],
      [{ ...OKTA_CREATE_USER, emails: 'a@b.c' }, 'invalidValue', /'emails'/],
      [{ ...OKTA_CREATE_USER, name: 'Test' }, 'invalidValue', /'name'/],
      [
        { ...OKTA_CREATE_USER, emails: [{ value: 'not an address', primary: true }] },
        'invalidValue',
        /email/,
      ],
      [{ ...OKTA_CREATE_USER, userName: 'has spaces in it' }, 'invalidValue', /login/],
      [{ ...OKTA_CREATE_USER, schemas: [] }, 'invalidSyntax', /'schemas'/],
      [[1, 2], 'invalidSyntax', /JSON object/],
      [
        { ...ENTRA_CREATE_USER, [SCIM_SCHEMAS.enterpriseUser]: { manager: { value: 'nobody' } } },
        'invalidValue',
        /manager/,
      ],
    ];
    for (const [body, scimType, detail] of cases) {
      expectScimError(await s.scim('POST', '/Users', body), 400, scimType, detail);
    }
    expectScimError(await s.scim('POST', '/Users', '{"schemas": ['), 400, 'invalidSyntax');
    // A secret pasted as an attribute name is not echoed in the error.
    const pasted = await s.scim('POST', '/Users', { ...OKTA_CREATE_USER, [s.secret]: true });
    expectScimError(pasted, 400, 'invalidValue', /\[redacted\]/);
    expect(pasted.body).not.toContain(s.secret.slice(7, 30));
    expect(await s.t.snapshot()).toEqual(before);
  });

  it('refuses a duplicate userName (whatever its case) or externalId with 409 uniqueness', async () => {
    const s = await startScim();
    expect((await s.scim('POST', '/Users', OKTA_CREATE_USER)).statusCode).toBe(201);
    const before = await s.t.snapshot();
    expectScimError(
      await s.scim('POST', '/Users', {
        ...OKTA_CREATE_USER,
        userName: 'TEST.USER@OKTA.LOCAL',
        externalId: 'x',
      }),
      409,
      'uniqueness',
      /userName/,
    );
    expectScimError(
      await s.scim('POST', '/Users', { ...OKTA_CREATE_USER, userName: 'other@okta.local' }),
      409,
      'uniqueness',
      /externalId/,
    );
    // The admin's own login is taken too: the directory cannot take over an identity.
    expectScimError(
      await s.scim('POST', '/Users', { ...OKTA_CREATE_USER, userName: 'ADA', externalId: 'y' }),
      409,
      'uniqueness',
    );
    const second = await s.scim('POST', '/Users', { ...ENTRA_CREATE_USER });
    const id = second.json<{ id: string }>().id;
    const mid = await s.t.snapshot();
    expectScimError(
      await s.scim('PUT', `/Users/${id}`, {
        ...ENTRA_CREATE_USER,
        externalId: OKTA_CREATE_USER.externalId,
      }),
      409,
      'uniqueness',
    );
    expectScimError(
      await s.scim('PATCH', `/Users/${id}`, {
        schemas: [SCIM_SCHEMAS.patchOp],
        Operations: [{ op: 'replace', path: 'userName', value: 'Test.User@okta.local' }],
      }),
      409,
      'uniqueness',
    );
    expect(await s.t.snapshot()).toEqual(mid);
    expect(before.identities.length + 1).toBe(mid.identities.length);
  });

  it('refuses malformed and unsupported filters, bad paging and bad PATCH bodies', async () => {
    const s = await startScim();
    for (const filter of [
      'userName eq',
      'userName xx "a"',
      '(userName eq "a"',
      'password eq "x"',
      'userName eq "a" and',
    ]) {
      expectScimError(
        await s.scim('GET', `/Users?filter=${encodeURIComponent(filter)}`),
        400,
        'invalidFilter',
      );
    }
    expectScimError(
      await s.scim('GET', `/Groups?filter=${encodeURIComponent('title eq "x"')}`),
      400,
      'invalidFilter',
    );
    expectScimError(await s.scim('GET', '/Users?count=many'), 400, 'invalidValue');
    const id = (await s.scim('POST', '/Users', OKTA_CREATE_USER)).json<{ id: string }>().id;
    const before = await s.t.snapshot();
    expectScimError(
      await s.scim('PATCH', `/Users/${id}`, { Operations: [] }),
      400,
      'invalidSyntax',
    );
    expectScimError(
      await s.scim('PATCH', `/Users/${id}`, {
        schemas: [SCIM_SCHEMAS.patchOp],
        Operations: [{ op: 'move', path: 'a' }],
      }),
      400,
      'invalidSyntax',
    );
    expectScimError(
      await s.scim('PATCH', `/Users/${id}`, {
        schemas: [SCIM_SCHEMAS.patchOp],
        Operations: [{ op: 'replace', path: 'active', value: 'nope' }],
      }),
      400,
      'invalidValue',
    );
    expectScimError(
      await s.scim('PATCH', `/Users/${id}`, {
        schemas: [SCIM_SCHEMAS.patchOp],
        Operations: [{ op: 'add', path: 'shoeSize', value: 44 }],
      }),
      400,
      'invalidValue',
    );
    // Paths and values through __proto__ or constructor.prototype reach no object's prototype.
    for (const op of [
      { op: 'replace', path: '__proto__.polluted', value: 'yes' },
      { op: 'add', path: 'constructor.prototype.polluted', value: 'yes' },
      // An own __proto__ member, as JSON.parse makes it (a literal would set the prototype).
      { op: 'replace', value: JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown },
      { op: 'replace', value: { 'constructor.prototype.polluted': 'yes' } },
    ]) {
      const response = await s.scim('PATCH', `/Users/${id}`, {
        schemas: [SCIM_SCHEMAS.patchOp],
        Operations: [op],
      });
      expect(response.statusCode).toBe(400);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
    expect(await s.t.snapshot()).toEqual(before);
    expectScimError(await s.scim('GET', '/Users/0123456789abcdef0123456789abcdef'), 404);
    expectScimError(await s.scim('GET', '/Nothing'), 404);
  });

  it('answers an oversized body with 413 and writes nothing', async () => {
    const s = await startScim({ config: { bodyLimitBytes: 4096 } });
    await s.scim('GET', '/ServiceProviderConfig');
    const before = await s.t.snapshot();
    const big = { ...OKTA_CREATE_USER, displayName: 'x'.repeat(5000) };
    expectScimError(await s.scim('POST', '/Users', big), 413);
    expect(await s.t.snapshot()).toEqual(before);
  });

  it('takes a Content-Type sent without a body as no body; an empty POST is still refused', async () => {
    const s = await startScim();
    const created = await s.scim('POST', '/Users', OKTA_CREATE_USER);
    expect(created.statusCode).toBe(201);
    const { id } = created.json<{ id: string }>();
    // Clients that send the header on every request: a GET and a DELETE with no body.
    const scimType = { headers: { 'content-type': SCIM_MEDIA_TYPE } };
    expect((await s.scim('GET', `/Users/${id}`, undefined, scimType)).statusCode).toBe(200);
    expect((await s.scim('DELETE', `/Users/${id}`, undefined, scimType)).statusCode).toBe(204);
    expectScimError(await s.scim('GET', `/Users/${id}`), 404);
    const before = await s.t.snapshot();
    expectScimError(await s.scim('POST', '/Users', undefined, scimType), 400, 'invalidSyntax');
    expect(await s.t.snapshot()).toEqual(before);
  });

  it('takes application/json as well, and refuses other media types with 415', async () => {
    const s = await startScim();
    const json = await s.scim('POST', '/Users', OKTA_CREATE_USER, {
      headers: { 'content-type': 'application/json' },
    });
    expect(json.statusCode).toBe(201);
    expect(json.headers['content-type']).toBe(`${SCIM_MEDIA_TYPE}; charset=utf-8`);
    expectScimError(
      await s.scim('POST', '/Users', 'userName=x', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
  });
});

describe('SCIM authentication', () => {
  it('refuses no token, a wrong token, a revoked PAT and a PAT without the right', async () => {
    const s = await startScim();
    const noToken = await s.scim('GET', '/Users', undefined, { token: null });
    expectScimError(noToken, 401);
    expect(noToken.headers['www-authenticate']).toBe('Bearer realm="patina"');
    expectScimError(await s.scim('GET', '/Users', undefined, { token: 'not-a-token' }), 401);
    // A well-formed secret nobody holds, and the admin's own PAT without the right.
    const other = await s.t.mintPat(s.t.admin.identity.id, {
      name: 'other',
      scope: [RIGHTS.allRead],
    });
    expectScimError(
      await s.scim('GET', '/Users', undefined, { token: other.secret }),
      403,
      undefined,
      /patina:scim:provision/,
    );
    const bob = await s.t.user({ name: 'Bob', login: 'bob' });
    const bobs = await s.t.mintPat(bob.identity.id, {
      name: 'scim',
      scope: [RIGHTS.scimProvision],
    });
    // Bob's PAT names the right, but Bob does not hold it.
    expectScimError(await s.scim('GET', '/Users', undefined, { token: bobs.secret }), 403);
    await s.t.deletePat(other.id);
    expectScimError(await s.scim('GET', '/Users', undefined, { token: other.secret }), 401);
    // Whatever was sent, the answer and the event never hold the token.
    const events = await s.t.request({
      method: 'GET',
      url: '/patina/v1/scim/events',
      token: s.t.admin.token,
    });
    expect(events.body).not.toContain(other.secret);
    expect(events.body).not.toContain(s.secret);
  });

  it('holds the PAT to its allowedCidrs, requireDpop and its owner being active', async () => {
    const s = await startScim();
    const admin = s.t.admin.identity.id;
    const fenced = await s.t.mintPat(admin, {
      name: 'fenced',
      scope: [RIGHTS.scimProvision],
      allowedCidrs: ['10.0.0.0/8'],
    });
    const from = (remoteAddress: string) =>
      s.t.app.inject({
        method: 'GET',
        url: '/scim/v2/Users',
        remoteAddress,
        headers: { authorization: `Bearer ${fenced.secret}` },
      });
    expect((await from('10.1.2.3')).statusCode).toBe(200);
    expectScimError(await from('192.0.2.7'), 401, undefined, /address/);
    const dpop = await s.t.mintPat(admin, {
      name: 'dpop',
      scope: [RIGHTS.scimProvision],
      requireDpop: true,
    });
    expectScimError(await s.scim('GET', '/Users', undefined, { token: dpop.secret }), 401);
    // A provisioning client whose identity is disabled provisions nothing.
    const other = await s.t.user({ name: 'Olga Ops', login: 'olga', roles: ['ORG_ADMIN'] });
    const olgas = await s.t.mintPat(other.identity.id, {
      name: 'scim',
      scope: [RIGHTS.scimProvision],
    });
    expect((await s.scim('GET', '/Users', undefined, { token: olgas.secret })).statusCode).toBe(
      200,
    );
    await s.t.patchIdentity(other.identity.id, { status: 'DISABLED' });
    expectScimError(await s.scim('GET', '/Users', undefined, { token: olgas.secret }), 401);
  });

  it("accepts an access token with the right, and records every request's outcome", async () => {
    const s = await startScim();
    const jwt = await (async () => {
      const pat = await s.t.mintPat(s.t.admin.identity.id, {
        name: 'jwt2',
        scope: [RIGHTS.scimProvision],
      });
      return s.t.accessToken(pat.id, pat.secret);
    })();
    expect((await s.scim('GET', '/Users', undefined, { token: jwt })).statusCode).toBe(200);
    s.t.clock.advance(1000);
    const created = await s.scim('POST', '/Users', OKTA_CREATE_USER);
    const id = created.json<{ id: string }>().id;
    s.t.clock.advance(1000);
    await s.scim('POST', '/Users', OKTA_CREATE_USER);
    s.t.clock.advance(1000);
    await s.scim('GET', '/Users?filter=userName%20eq%20%22x%22');
    const config = await s.t.request({
      method: 'GET',
      url: '/patina/v1/scim/config',
      token: s.t.admin.token,
    });
    expect(config.json()).toEqual({
      baseUrl: 'http://patina.test/scim/v2',
      right: RIGHTS.scimProvision,
    });
    const response = await s.t.request({
      method: 'GET',
      url: '/patina/v1/scim/events?limit=3',
      token: s.t.admin.token,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/scim/v2/Users',
        status: 200,
        resourceType: 'User',
        message: null,
      }),
      expect.objectContaining({
        method: 'POST',
        path: '/scim/v2/Users',
        status: 409,
        externalId: OKTA_CREATE_USER.externalId,
        name: OKTA_CREATE_USER.userName,
        message: expect.stringMatching(/already exists/) as unknown as string,
      }),
      expect.objectContaining({
        method: 'POST',
        status: 201,
        resourceType: 'User',
        resourceId: id,
        externalId: OKTA_CREATE_USER.externalId,
        name: OKTA_CREATE_USER.userName,
        clientId: s.t.admin.identity.id,
      }),
    ]);
    const bob = await s.t.user({ name: 'Bob', login: 'bob' });
    expect(
      (await s.t.request({ method: 'GET', url: '/patina/v1/scim/events', token: bob.token }))
        .statusCode,
    ).toBe(403);
  });
});
