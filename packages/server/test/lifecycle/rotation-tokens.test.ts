import { describe, expect, it, vi } from 'vitest';
import { startConsoleApp, signInWithPat, viaConsole } from '../console/console-app.js';
import { decodeJwt, START, startTestApp, type TestApp } from '../helpers.js';
import { PATINA_PATS, userWithPat } from './helpers.js';

/**
 * Issue 21, item 7: what the old secret obtained ends with it. After a rotation's grace (at once
 * with none), access tokens it got and console sessions it signed in are refused, on the API and
 * by introspection; what the new secret gets keeps working.
 */

const ROTATED = {
  error: 'JWT validation failed: the secret this JWT was issued for has been rotated',
};
const EXPIRED = { error: 'JWT validation failed: JWT is expired' };
const SECOND_MS = 1000;

function rotate(t: TestApp, id: string, gracePeriodSeconds: number) {
  return t.request({
    method: 'POST',
    url: `${PATINA_PATS}/${id}/rotate`,
    token: t.admin.token,
    json: { gracePeriodSeconds },
  });
}

async function newSecret(t: TestApp, id: string, gracePeriodSeconds: number): Promise<string> {
  const response = await rotate(t, id, gracePeriodSeconds);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ secret: string }>().secret;
}

/** The caller's own PATs: 200 while the token is accepted. */
function api(t: TestApp, token: string) {
  return t.request({ method: 'GET', url: `${PATINA_PATS}?owner-id=me`, token });
}

/** Introspection by the admin (who holds the introspection right) of `token`. */
async function active(t: TestApp, token: string): Promise<boolean> {
  const response = await t.postForm('/oauth/introspect', {
    client_id: t.admin.patId,
    client_secret: t.admin.secret,
    token,
  });
  expect(response.statusCode).toBe(200);
  const body = response.json<{ active: boolean }>();
  if (!body.active) expect(body).toStrictEqual({ active: false });
  return body.active;
}

describe('access tokens after a rotation', () => {
  it('with no grace, refuses at once what the old secret got, and keeps what the new one gets', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    const old = await t.accessToken(pat.id, pat.secret);
    t.clock.advance(SECOND_MS);
    const secret = await newSecret(t, pat.id, 0);
    const fresh = await t.accessToken(pat.id, secret);

    const refused = await api(t, old);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toStrictEqual(ROTATED);
    expect(await active(t, old)).toBe(false);

    expect((await api(t, fresh)).statusCode).toBe(200);
    expect(await active(t, fresh)).toBe(true);
    // Still so hours later: the new secret's token lives its whole life.
    t.clock.advance(11 * 60 * 60 * SECOND_MS);
    expect((await api(t, fresh)).statusCode).toBe(200);
    expect((await api(t, old)).json()).toStrictEqual(ROTATED);
  });

  it('with a grace, keeps every token working until the grace ends, then only the new secret’s', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    const before = await t.accessToken(pat.id, pat.secret);
    t.clock.advance(SECOND_MS);
    const secret = await newSecret(t, pat.id, 600);

    // Inside the grace both secrets exchange; the old one's token ends with the grace.
    const during = await t.exchange(pat.id, pat.secret);
    expect(during.statusCode).toBe(200);
    const { access_token: duringOld, expires_in } = during.json<{
      access_token: string;
      expires_in: number;
    }>();
    expect(expires_in).toBe(600);
    expect(decodeJwt(duringOld).payload.exp).toBe(Date.parse(START) / 1000 + 601);
    const duringNew = await t.exchange(pat.id, secret);
    expect(duringNew.json<{ expires_in: number }>().expires_in).toBe(43_200);
    const fresh = duringNew.json<{ access_token: string }>().access_token;

    t.clock.advance(600 * SECOND_MS - 1);
    for (const token of [before, duringOld, fresh]) {
      expect((await api(t, token)).statusCode).toBe(200);
      expect(await active(t, token)).toBe(true);
    }

    t.clock.advance(1);
    expect((await api(t, before)).json()).toStrictEqual(ROTATED);
    expect((await api(t, duringOld)).json()).toStrictEqual(EXPIRED);
    expect(await active(t, before)).toBe(false);
    expect(await active(t, duringOld)).toBe(false);
    expect((await api(t, fresh)).statusCode).toBe(200);
    expect(await active(t, fresh)).toBe(true);
  });

  it('refuses the old secret’s tokens from the cache too, the moment the grace ends', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    const old = await t.accessToken(pat.id, pat.secret);
    t.clock.advance(SECOND_MS);
    await newSecret(t, pat.id, 60);
    // Read (and cached) inside the grace; nothing is written when the grace ends.
    expect((await api(t, old)).statusCode).toBe(200);
    t.clock.advance(60 * SECOND_MS);
    expect((await api(t, old)).json()).toStrictEqual(ROTATED);
  });
});

describe('access tokens after two rotations', () => {
  it('keeps refusing what the first secret got when a later rotation opens a new grace', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    const first = await t.accessToken(pat.id, pat.secret);
    t.clock.advance(SECOND_MS);
    const second = await newSecret(t, pat.id, 60);
    t.clock.advance(60 * SECOND_MS);
    expect((await api(t, first)).json()).toStrictEqual(ROTATED);
    const ofSecond = await t.accessToken(pat.id, second);
    t.clock.advance(SECOND_MS);

    // The second rotation's grace is the second secret's: never the first one's again.
    const third = await newSecret(t, pat.id, 600);
    const refused = await api(t, first);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toStrictEqual(ROTATED);
    expect(await active(t, first)).toBe(false);
    expect((await api(t, ofSecond)).statusCode).toBe(200);
    expect(await active(t, ofSecond)).toBe(true);

    t.clock.advance(600 * SECOND_MS - 1);
    expect((await api(t, first)).json()).toStrictEqual(ROTATED);
    expect((await api(t, ofSecond)).statusCode).toBe(200);
    t.clock.advance(1);
    expect((await api(t, ofSecond)).json()).toStrictEqual(ROTATED);
    expect(await active(t, ofSecond)).toBe(false);
    expect((await api(t, first)).json()).toStrictEqual(ROTATED);
    expect((await api(t, await t.accessToken(pat.id, third))).statusCode).toBe(200);
  });

  it('ends the first secret’s tokens at once when rotated again inside its grace', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    const first = await t.accessToken(pat.id, pat.secret);
    t.clock.advance(SECOND_MS);
    const second = await newSecret(t, pat.id, 600);
    expect((await api(t, first)).statusCode).toBe(200);
    const ofSecond = await t.accessToken(pat.id, second);
    t.clock.advance(SECOND_MS);

    await newSecret(t, pat.id, 600);
    const refused = await api(t, first);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toStrictEqual(ROTATED);
    expect(await active(t, first)).toBe(false);
    expect((await api(t, ofSecond)).statusCode).toBe(200);
  });

  it('records the rotation and its event at the same instant as the stored rotation', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    // Every read of the clock moves it on by a millisecond, so two reads give two instants (and,
    // near a second's end, two seconds: the SET's and the rotation's would then retire different
    // tokens).
    const read = t.clock.now.bind(t.clock);
    const ticking = vi.spyOn(t.clock, 'now').mockImplementation(() => {
      const now = read();
      t.clock.advance(1);
      return now;
    });
    try {
      await newSecret(t, pat.id, 600);
    } finally {
      ticking.mockRestore();
    }
    const row = await t.storage.db
      .selectFrom('personal_access_tokens')
      .select(['rotated_at', 'previous_secret_valid_until'])
      .where('id', '=', pat.id)
      .executeTakeFirstOrThrow();
    const [event] = await t.auditEvents('PERSONAL_ACCESS_TOKEN_ROTATED');
    expect(event!.time).toBe(row.rotated_at);
    expect(JSON.parse(event!.details)).toMatchObject({
      previousSecretValidUntil: row.previous_secret_valid_until,
    });
  });
});

describe('console sessions after a rotation', () => {
  it('ends a session signed in with the old secret, and keeps one signed in with the new', async () => {
    const t = await startConsoleApp();
    const { pat } = await userWithPat(t);
    const oldSession = await signInWithPat(t, pat.id, pat.secret);
    const describeOld = () =>
      t.app.inject({
        method: 'GET',
        url: '/ui/auth/session',
        cookies: { patina_console: oldSession.cookie },
      });
    t.clock.advance(SECOND_MS);
    const secret = await newSecret(t, pat.id, 0);
    const newSession = await signInWithPat(t, pat.id, secret);

    const described = await describeOld();
    expect(described.statusCode).toBe(200);
    expect(described.json()).toMatchObject({
      signedIn: false,
      error: 'EXPIRED',
      message: 'Your session has expired; sign in again',
    });
    const row = await t.storage.db
      .selectFrom('console_sessions')
      .select(['revoked_reason'])
      .where('pat_id', '=', pat.id)
      .orderBy('created')
      .execute();
    expect(row.map((r) => r.revoked_reason)).toEqual(['CREDENTIAL_INVALID', null]);
    const call = await viaConsole(t, oldSession, { url: `${PATINA_PATS}?owner-id=me` });
    expect(call.statusCode).toBe(401);

    expect(
      (await viaConsole(t, newSession, { url: `${PATINA_PATS}?owner-id=me` })).statusCode,
    ).toBe(200);
  });

  it('ends a session signed in with the old secret at the end of the grace, through the API', async () => {
    const t = await startConsoleApp();
    const { pat } = await userWithPat(t);
    const before = await signInWithPat(t, pat.id, pat.secret);
    t.clock.advance(SECOND_MS);
    const secret = await newSecret(t, pat.id, 600);
    const during = await signInWithPat(t, pat.id, pat.secret);
    const fresh = await signInWithPat(t, pat.id, secret);
    const list = (session: typeof before) =>
      viaConsole(t, session, { url: `${PATINA_PATS}?owner-id=me` });

    t.clock.advance(599 * SECOND_MS);
    for (const session of [before, during, fresh])
      expect((await list(session)).statusCode).toBe(200);
    t.clock.advance(SECOND_MS);
    const ended = await list(before);
    expect(ended.statusCode).toBe(401);
    expect(ended.json()).toStrictEqual(ROTATED);
    // Signed in with the old secret inside the grace: the session ends when the grace does.
    const late = await list(during);
    expect(late.statusCode).toBe(401);
    expect(late.json<{ error: string }>().error).toBe('EXPIRED');
    expect((await list(fresh)).statusCode).toBe(200);
    const again = await list(before);
    expect(again.json<{ error: string }>().error).toBe('SIGNED_OUT');
  });
});
