import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  DAY_MS,
  expectIdentitiesAndPatsUnchanged,
  START,
  startTestApp,
  type TestApp,
} from '../helpers.js';

const USER_AGENT = 'patina-tests/1.0';

function post(
  t: TestApp,
  options: { url?: string; headers?: Record<string, string>; payload?: string },
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: options.url ?? '/oauth/token',
    headers: options.headers ?? { 'content-type': 'application/x-www-form-urlencoded' },
    ...(options.payload !== undefined && { payload: options.payload }),
  });
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** The three fields of a valid exchange with the admin's PAT. */
function adminFields(t: TestApp): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: t.admin.patId,
    client_secret: t.admin.secret,
  };
}

/** An exchange as a client with a user agent would send it. */
function exchange(t: TestApp, clientId: string, secret: string): Promise<LightMyRequestResponse> {
  return t.exchange(clientId, secret, {}, { 'user-agent': USER_AGENT });
}

function expectOAuthError(
  response: LightMyRequestResponse,
  status: number,
  error: string,
  description: string,
): void {
  expect(response.statusCode).toBe(status);
  expect(response.json()).toEqual({ error, error_description: description });
  expect(response.headers['cache-control']).toBe('no-store');
}

/** A refused request that changed nothing at all. */
async function expectRefusedUnchanged(
  t: TestApp,
  send: () => Promise<LightMyRequestResponse>,
): Promise<LightMyRequestResponse> {
  const before = await t.snapshot();
  const response = await send();
  expect(await t.snapshot()).toEqual(before);
  return response;
}

/** A failed exchange: identities and PATs unchanged, exactly one audit event added. */
async function expectFailureRecorded(
  t: TestApp,
  send: () => Promise<LightMyRequestResponse>,
): Promise<LightMyRequestResponse> {
  const { response, before, after } = await expectIdentitiesAndPatsUnchanged(t, send);
  expect(after.audit.slice(0, before.audit.length)).toEqual(before.audit);
  expect(after.audit).toHaveLength(before.audit.length + 1);
  return response;
}

describe('POST /oauth/token: malformed requests (RFC 6749 §5.2)', () => {
  it('requires grant_type', async () => {
    const t = await startTestApp();
    const response = await expectRefusedUnchanged(t, () =>
      post(t, { payload: form({ client_id: t.admin.patId, client_secret: t.admin.secret }) }),
    );
    expectOAuthError(response, 400, 'invalid_request', "The parameter 'grant_type' is required");
  });

  it('supports only client_credentials', async () => {
    const t = await startTestApp();
    const response = await expectRefusedUnchanged(t, () =>
      post(t, {
        payload: form({ ...adminFields(t), grant_type: 'password' }),
      }),
    );
    expectOAuthError(
      response,
      400,
      'unsupported_grant_type',
      'Supported grant types: client_credentials, urn:ietf:params:oauth:grant-type:token-exchange, urn:ietf:params:oauth:grant-type:jwt-bearer',
    );
  });

  it('requires a client id', async () => {
    const t = await startTestApp();
    const response = await expectRefusedUnchanged(t, () =>
      post(t, { payload: form({ grant_type: 'client_credentials', client_secret: 'x' }) }),
    );
    expectOAuthError(response, 401, 'invalid_client', 'Client authentication is required');
    expect(response.headers['www-authenticate']).toBe('Basic realm="patina"');
  });

  it('requires a client secret', async () => {
    const t = await startTestApp();
    const response = await expectRefusedUnchanged(t, () =>
      post(t, { payload: form({ grant_type: 'client_credentials', client_id: t.admin.patId }) }),
    );
    expectOAuthError(response, 401, 'invalid_client', 'Client authentication is required');
    expect(response.headers['www-authenticate']).toBe('Basic realm="patina"');
  });

  it('refuses a parameter given in the query and the body with different values', async () => {
    const t = await startTestApp();
    const other = await t.mintPat(t.admin.identity.id, { name: 'other' });
    const response = await expectRefusedUnchanged(t, () =>
      post(t, {
        url: `/oauth/token?client_id=${other.id}`,
        payload: form(adminFields(t)),
      }),
    );
    expectOAuthError(
      response,
      400,
      'invalid_request',
      "The parameter 'client_id' is given more than once",
    );
  });

  it('refuses a parameter repeated in the body', async () => {
    const t = await startTestApp();
    const payload = `${form(adminFields(t))}&scope=a&scope=b`;
    const response = await expectRefusedUnchanged(t, () => post(t, { payload }));
    expectOAuthError(
      response,
      400,
      'invalid_request',
      "The parameter 'scope' is given more than once",
    );
  });

  it('refuses HTTP Basic together with a client_secret in the body', async () => {
    const t = await startTestApp();
    const basic = Buffer.from(`${t.admin.patId}:${t.admin.secret}`).toString('base64');
    const response = await expectRefusedUnchanged(t, () =>
      post(t, {
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: form({ grant_type: 'client_credentials', client_secret: t.admin.secret }),
      }),
    );
    expectOAuthError(
      response,
      400,
      'invalid_request',
      'Use one client authentication method, not several',
    );
  });

  it('refuses a JSON body', async () => {
    const t = await startTestApp();
    const response = await expectRefusedUnchanged(t, () =>
      post(t, {
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(adminFields(t)),
      }),
    );
    expectOAuthError(
      response,
      400,
      'invalid_request',
      'The body must be application/x-www-form-urlencoded or multipart/form-data',
    );
  });
});

describe('POST /oauth/token: bad credentials get one answer', () => {
  /** Each kind of bad credentials, set up in its own app; returns the credentials to send. */
  const CASES: {
    reason: string;
    setup: (t: TestApp) => Promise<{ id: string; secret: string }>;
  }[] = [
    {
      reason: 'unknown_client',
      setup: () => Promise.resolve({ id: 'a'.repeat(32), secret: 'patina_' + 'x'.repeat(57) }),
    },
    {
      reason: 'wrong_secret',
      setup: async (t) => {
        const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
        return { id: pat.id, secret: t.admin.secret };
      },
    },
    {
      reason: 'expired',
      setup: async (t) => {
        const expirationDate = new Date(Date.parse(START) + DAY_MS).toISOString();
        const pat = await t.mintPat(t.admin.identity.id, { name: 'ci', expirationDate });
        t.clock.advance(DAY_MS + 1);
        return pat;
      },
    },
    {
      reason: 'deleted',
      setup: async (t) => {
        const pat = await t.mintPat(t.admin.identity.id, { name: 'ci' });
        expect((await t.deletePat(pat.id)).statusCode).toBe(204);
        return pat;
      },
    },
    {
      reason: 'owner_disabled',
      setup: async (t) => {
        const bob = await t.user({ name: 'Bob', login: 'bob' });
        const disabled = await t.patchIdentity(bob.identity.id, { status: 'DISABLED' });
        expect(disabled.statusCode, disabled.body).toBe(200);
        return { id: bob.patId, secret: bob.secret };
      },
    },
  ];

  for (const { reason, setup } of CASES) {
    it(`answers 401 Bad client credentials and records the reason ${reason}`, async () => {
      const t = await startTestApp();
      const { id, secret } = await setup(t);
      const response = await expectFailureRecorded(t, () => exchange(t, id, secret));

      expect(response.statusCode).toBe(401);
      expect(response.body).toBe(JSON.stringify(BAD_CREDENTIALS));
      expect(response.headers['www-authenticate']).toBe('Basic realm="patina"');
      expect(response.headers['cache-control']).toBe('no-store');

      const events = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
      expect(events).toHaveLength(1);
      const [event] = events;
      expect(event).toMatchObject({
        outcome: 'FAILURE',
        target_type: 'PERSONAL_ACCESS_TOKEN',
        target_id: id,
        source_ip: '127.0.0.1',
        user_agent: USER_AGENT,
        time: t.clock.now().toISOString(),
      });
      expect(JSON.parse(event?.details ?? '{}')).toMatchObject({ reason });

      // No event anywhere holds the secret that was sent, nor the PAT secrets in play.
      const audit = JSON.stringify(await t.auditEvents());
      for (const text of [secret, t.admin.secret]) expect(audit).not.toContain(text);
    });
  }

  it('gives the five kinds of failure identical status, headers and body', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    const expirationDate = new Date(Date.parse(START) + DAY_MS).toISOString();
    const expiring = await t.mintPat(t.admin.identity.id, { name: 'expiring', expirationDate });
    const live = await t.mintPat(t.admin.identity.id, { name: 'live' });
    const doomed = await t.mintPat(t.admin.identity.id, { name: 'doomed' });
    expect((await t.deletePat(doomed.id)).statusCode).toBe(204);
    expect((await t.patchIdentity(bob.identity.id, { status: 'DISABLED' })).statusCode).toBe(200);
    t.clock.advance(DAY_MS + 1);

    const responses = [
      await exchange(t, 'b'.repeat(32), live.secret),
      await exchange(t, live.id, doomed.secret),
      await exchange(t, expiring.id, expiring.secret),
      await exchange(t, doomed.id, doomed.secret),
      await exchange(t, bob.patId, bob.secret),
    ];
    // The date and the per-client rate-limit counters are the only headers allowed to differ.
    const answers = responses.map((r) => {
      const headers = Object.entries(r.headers).filter(
        ([name]) => name !== 'date' && !name.startsWith('x-ratelimit-'),
      );
      return { status: r.statusCode, headers, body: r.body };
    });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]?.status).toBe(401);

    const events = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(events.map((e) => (JSON.parse(e.details) as { reason: string }).reason)).toEqual([
      'unknown_client',
      'wrong_secret',
      'expired',
      'deleted',
      'owner_disabled',
    ]);
  });

  it('does not store a client id that is not a PAT id (a pasted secret, say)', async () => {
    const t = await startTestApp();
    const pasted = t.admin.secret;
    const response = await expectFailureRecorded(t, () => exchange(t, pasted, pasted));
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(BAD_CREDENTIALS);
    const [event] = await t.auditEvents('PERSONAL_ACCESS_TOKEN_USE_FAILED');
    expect(event?.target_id).toBeNull();
    expect(JSON.parse(event?.details ?? '{}')).toEqual({ reason: 'unknown_client' });
    expect(JSON.stringify(await t.auditEvents())).not.toContain(pasted);
  });

  it('answers an HTTP Basic failure the same way', async () => {
    const t = await startTestApp();
    const basic = Buffer.from(`${t.admin.patId}:wrong`).toString('base64');
    const response = await expectFailureRecorded(t, () =>
      post(t, {
        url: '/oauth/token?grant_type=client_credentials',
        headers: { authorization: `Basic ${basic}` },
      }),
    );
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe(JSON.stringify(BAD_CREDENTIALS));
    expect(response.headers['www-authenticate']).toBe('Basic realm="patina"');
  });
});
