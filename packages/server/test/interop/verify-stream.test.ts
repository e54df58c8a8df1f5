import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { V3, type TestApp, type TestUser } from '../helpers.js';
import {
  DISABLED_OWNER,
  INTROSPECT,
  outcome,
  POLL,
  realDelay,
  REVOKED_PAT,
  STALE,
  STREAMS,
  timeToRefusal,
  TOKEN_ENDPOINT,
  until,
  verifiedPatina,
} from './verify-harness.js';

/**
 * @patina/verify hears through its Shared Signals poll stream what ends a token (a PAT deleted,
 * revoked, rotated or given new scopes; its owner disabled or offboarded) and refuses the token
 * within a second, where a plain JWKS check would accept it until it expires. While the stream
 * is not heard it fails closed, or asks Patina (introspection); it backs off and comes back.
 * All against Patina over real HTTP, on each database.
 */

const TIMEOUT = { timeout: 30_000 };
const PATINA_PATS = '/patina/v1/personal-access-tokens';
const IDENTITIES = '/patina/v1/identities';
const REVOKED = { code: 'ERR_TOKEN_REVOKED', message: REVOKED_PAT };

/** A developer whose PAT (and its token) is what the change ends. */
function developer(t: TestApp): Promise<TestUser> {
  return t.user({ name: 'Dev', login: 'dev', rights: ['orders:read', 'orders:write'] });
}

/** A change, made by the administrator or the developer, that ends the developer's token. */
interface Change {
  name: string;
  make: (t: TestApp, dev: TestUser) => Promise<{ statusCode: number; body: string }>;
  status: number;
  /** The refusals allowed: the PAT's and the owner's events of one change may come in any order. */
  refusals: string[];
}

const CHANGES: Change[] = [
  {
    name: 'its PAT deleted by the administrator',
    make: (t, dev) =>
      t.request({ method: 'DELETE', url: `${V3}/${dev.patId}`, token: t.admin.token }),
    status: 204,
    refusals: [REVOKED_PAT],
  },
  {
    name: 'its PAT deleted by its owner',
    make: (t, dev) => t.request({ method: 'DELETE', url: `${V3}/${dev.patId}`, token: dev.token }),
    status: 204,
    refusals: [REVOKED_PAT],
  },
  {
    name: 'its PAT revoked as leaked',
    make: (t, dev) =>
      t.request({
        method: 'POST',
        url: '/patina/v1/credentials/revoke',
        json: { credentials: [dev.secret] },
      }),
    status: 202,
    refusals: [REVOKED_PAT],
  },
  {
    name: 'its PAT rotated without grace',
    make: (t, dev) =>
      t.request({
        method: 'POST',
        url: `${PATINA_PATS}/${dev.patId}/rotate`,
        token: t.admin.token,
        json: { gracePeriodSeconds: 0 },
      }),
    status: 200,
    refusals: [REVOKED_PAT],
  },
  {
    name: 'its PAT given other scopes',
    make: (t, dev) =>
      t.request({
        method: 'PATCH',
        url: `${V3}/${dev.patId}`,
        token: t.admin.token,
        json: [{ op: 'replace', path: '/scope', value: ['orders:read'] }],
      }),
    status: 200,
    refusals: [REVOKED_PAT],
  },
  {
    name: 'its owner disabled',
    make: (t, dev) => t.patchIdentity(dev.identity.id, { status: 'DISABLED' }),
    status: 200,
    // Told twice: session-revoked for the owner, credential-change for each PAT of theirs.
    refusals: [REVOKED_PAT, DISABLED_OWNER],
  },
  {
    name: 'its owner offboarded',
    make: (t, dev) =>
      t.request({
        method: 'POST',
        url: `${IDENTITIES}/${dev.identity.id}/offboard`,
        token: t.admin.token,
        json: {},
      }),
    status: 200,
    refusals: [REVOKED_PAT, DISABLED_OWNER],
  },
];

describe('@patina/verify refuses within a second a token whose PAT or owner ended', TIMEOUT, () => {
  it.each(CHANGES)('$name', async (change) => {
    const p = await verifiedPatina();
    const verifier = await p.verifier();
    const dev = await developer(p.t);
    expect(await outcome(verifier, dev.token)).toEqual({ client_id: dev.patId });
    // A change of the next second: a rotation or new scopes end the tokens of earlier seconds.
    p.advance(1000);
    const started = performance.now();
    const made = await change.make(p.t, dev);
    expect(made.statusCode, made.body).toBe(change.status);
    const { code, message, elapsedMs } = await timeToRefusal(verifier, dev.token, started);
    expect(code).toBe('ERR_TOKEN_REVOKED');
    expect(change.refusals).toContain(message);
    expect(elapsedMs).toBeLessThan(1000);
    // Nobody else's token is touched.
    expect(await outcome(verifier, p.t.admin.token)).toEqual({ client_id: p.t.admin.patId });
  });

  // A rotation with grace keeps the earlier tokens until the grace ends: verify-rotation.test.ts.

  it('refuses a token whose PAT was deleted while the verifier was away, once it is back', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier();
    const dev = await developer(p.t);
    p.network.refuse(POLL);
    await until(() => p.network.to(POLL).some((call) => call.status === 'refused'), 'a poll fails');
    const deleted = await p.t.request({
      method: 'DELETE',
      url: `${V3}/${dev.patId}`,
      token: p.t.admin.token,
    });
    expect(deleted.statusCode).toBe(204);
    // Not heard: still within maxStalenessMs, the token passes on its signature.
    expect(await outcome(verifier, dev.token)).toEqual({ client_id: dev.patId });
    p.network.restore();
    expect(await timeToRefusal(verifier, dev.token, performance.now())).toMatchObject(REVOKED);
  });
});

describe('@patina/verify while its stream is not heard', TIMEOUT, () => {
  it('refuses every token once maxStalenessMs passes without a poll (ERR_STREAM_STALE), then recovers', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier();
    expect(verifier.fresh).toBe(true);
    p.network.refuse(POLL);
    p.advance(5000);
    expect(verifier.fresh).toBe(true);
    expect(await outcome(verifier, p.t.admin.token)).toEqual({ client_id: p.t.admin.patId });
    p.advance(1);
    expect(verifier.fresh).toBe(false);
    expect(await outcome(verifier, p.t.admin.token)).toEqual({
      code: 'ERR_STREAM_STALE',
      message: STALE(5000),
    });

    p.network.restore();
    await until(() => verifier.fresh, 'the verifier hears its stream again');
    expect(await outcome(verifier, p.t.admin.token)).toEqual({ client_id: p.t.admin.patId });
  });

  it('stays fresh through a quiet stream: a long poll cut short is followed by a quick one', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier();
    p.advance(4000);
    // No event: the long poll is cut at half of maxStalenessMs (2.5 s), then one answers at once.
    await until(() => p.network.to(POLL).some((call) => call.status === 'failed'), 'a cut');
    const cut = p.network.to(POLL).findIndex((call) => call.status === 'failed');
    await until(() => p.network.to(POLL)[cut + 1]?.status === 200, 'a quick poll answers');
    p.advance(4000);
    expect(verifier.fresh).toBe(true);
    expect(p.network.calls.filter((call) => call.path.startsWith(POLL))[cut + 1]?.body).toEqual({
      maxEvents: 100,
      returnImmediately: true,
    });
  });

  it('takes maxStalenessMs', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier({ maxStalenessMs: 60_000 });
    p.network.refuse(POLL);
    p.advance(60_000);
    expect(await outcome(verifier, p.t.admin.token)).toEqual({ client_id: p.t.admin.patId });
    p.advance(1);
    expect(await outcome(verifier, p.t.admin.token)).toEqual({
      code: 'ERR_STREAM_STALE',
      message: STALE(60_000),
    });
  });

  it('asks Patina by introspection when whenStale is introspect', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier({ whenStale: 'introspect' });
    const dev = await developer(p.t);
    p.network.refuse(POLL);
    p.advance(5001);
    expect(await outcome(verifier, p.t.admin.token)).toEqual({ client_id: p.t.admin.patId });
    expect(p.network.to(INTROSPECT)).toEqual([{ method: 'POST', path: INTROSPECT, status: 200 }]);
    // Deleted while the stream is not heard: introspection knows.
    const deleted = await p.t.request({
      method: 'DELETE',
      url: `${V3}/${dev.patId}`,
      token: p.t.admin.token,
    });
    expect(deleted.statusCode).toBe(204);
    expect(await outcome(verifier, dev.token)).toEqual({
      code: 'ERR_TOKEN_REVOKED',
      message: 'Introspection says the token is not active',
    });
    p.network.refuse(POLL, INTROSPECT);
    expect(await outcome(verifier, p.t.admin.token)).toEqual({
      code: 'ERR_INTROSPECTION_FAILED',
      message: 'Introspection could not be reached',
    });
  });

  it('fails closed when stale and Patina announces no introspection endpoint', async () => {
    const p = await verifiedPatina();
    p.network.rewrite('/.well-known/oauth-authorization-server', (body) => ({
      ...body,
      introspection_endpoint: undefined,
    }));
    const verifier = await p.verifier({ whenStale: 'introspect' });
    p.network.refuse(POLL);
    p.advance(5001);
    expect(await outcome(verifier, p.t.admin.token)).toEqual({
      code: 'ERR_INTROSPECTION_FAILED',
      message: 'Patina announces no introspection endpoint',
    });
  });

  it('refuses a token the stream revoked without asking introspection', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier({ whenStale: 'introspect' });
    const dev = await developer(p.t);
    const deleted = await p.t.request({
      method: 'DELETE',
      url: `${V3}/${dev.patId}`,
      token: p.t.admin.token,
    });
    expect(deleted.statusCode).toBe(204);
    expect(await timeToRefusal(verifier, dev.token, performance.now())).toMatchObject(REVOKED);
    p.network.refuse(POLL);
    p.advance(5001);
    expect(await outcome(verifier, dev.token)).toEqual(REVOKED);
    expect(p.network.to(INTROSPECT)).toEqual([]);
  });

  it('backs off while polls fail, instead of polling in a loop', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier({ maxStalenessMs: 1000 });
    p.network.refuse(POLL);
    await realDelay(2000);
    // 200, 400, 800 ms apart (then up to 2 s): four or five tries in two seconds, not thousands.
    const tries = p.network.to(POLL).filter((call) => call.status === 'refused').length;
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(tries).toBeLessThanOrEqual(6);
    p.advance(1001);
    expect(verifier.fresh).toBe(false);
    p.network.restore();
    await until(() => verifier.fresh, 'the verifier hears its stream again', 3000);
  });

  it('goes stale, and stays so, when its stream is deleted under it', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier();
    const deleted = await p.t.request({
      method: 'DELETE',
      url: `${STREAMS}?stream_id=${verifier.streamId}`,
      token: p.t.admin.token,
    });
    expect(deleted.statusCode).toBe(204);
    await until(() => p.network.to(POLL).some((call) => call.status === 404), 'a poll finds none');
    p.advance(5001);
    expect(await outcome(verifier, p.t.admin.token)).toEqual({
      code: 'ERR_STREAM_STALE',
      message: STALE(5000),
    });
    const polls = p.network.to(POLL).length;
    await until(() => p.network.to(POLL).length > polls, 'it polls again');
    expect(verifier.fresh).toBe(false);
    expect(p.network.to(STREAMS).filter((call) => call.method === 'POST')).toHaveLength(1);
  });
});

describe('@patina/verify’s own client and stream', TIMEOUT, () => {
  it('renews its access token at half its life, and keeps hearing the stream after it expired', async () => {
    const p = await verifiedPatina({ config: { ssf: { pollMaxWaitSeconds: 1 } } });
    const client = await p.t.user({ name: 'Orders API', login: 'orders', rights: ['ssf.manage'] });
    const pat = await p.t.mintPat(client.identity.id, {
      name: 'verifier',
      accessTokenValiditySeconds: 15,
    });
    const verifier = await p.verifier(
      { maxStalenessMs: 60_000 },
      { patId: pat.id, secret: pat.secret },
    );
    const dev = await developer(p.t);
    expect(p.network.to(TOKEN_ENDPOINT)).toHaveLength(1);
    p.advance(7000);
    await until(() => p.network.to(POLL).length >= 3, 'it polls twice more');
    expect(p.network.to(TOKEN_ENDPOINT)).toHaveLength(1);
    p.advance(1000);
    await until(() => p.network.to(TOKEN_ENDPOINT).length === 2, 'it renews its token');
    // The first token has expired for Patina; the stream is still heard.
    p.advance(10_000);
    const deleted = await p.t.request({
      method: 'DELETE',
      url: `${V3}/${dev.patId}`,
      token: p.t.admin.token,
    });
    expect(deleted.statusCode).toBe(204);
    expect(await timeToRefusal(verifier, dev.token, performance.now())).toMatchObject(REVOKED);
    expect(p.network.to(POLL).filter((call) => call.status === 401)).toEqual([]);
  });

  it('does not apply a SET that fails verification, nor acknowledge it', async () => {
    const p = await verifiedPatina();
    const dev = await developer(p.t);
    const forged = await forgedDeletion(p.base, dev.patId);
    // Polls cut short at half a second: the test need not wait for long ones.
    const verifier = await p.verifier({ maxStalenessMs: 1000 });
    // Someone between the verifier and Patina adds a SET of their own to one answer.
    let told = 0;
    p.network.rewrite(POLL, (body) => {
      if (told > 0 || body.sets === undefined) return body;
      told += 1;
      return { ...body, sets: { ...(body.sets as object), forged } };
    });
    await until(() => told === 1, 'the forged SET is sent');
    const polls = p.network.to(POLL).length;
    await until(() => p.network.to(POLL).length > polls + 1, 'it polls on');
    expect(await outcome(verifier, dev.token)).toEqual({ client_id: dev.patId });
    expect(p.network.acknowledged()).not.toContain('forged');
    expect(verifier.fresh).toBe(true);
  });

  it('fails to start (ERR_SETUP_FAILED) on a first poll it cannot trust, leaving no stream', async () => {
    const p = await verifiedPatina();
    const dev = await developer(p.t);
    const forged = await forgedDeletion(p.base, dev.patId);
    p.network.rewrite(POLL, (body) =>
      body.sets === undefined ? body : { ...body, sets: { ...(body.sets as object), forged } },
    );
    const error = await p.verifier().catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'VerifyError',
      code: 'ERR_SETUP_FAILED',
      message: 'The first poll of the event stream failed',
    });
    const streams = await p.t.request({ method: 'GET', url: STREAMS, token: p.t.admin.token });
    expect(streams.json()).toEqual([]);
  });

  it('is not fresh until it has read every queued SET (moreAvailable)', async () => {
    const p = await verifiedPatina({ config: { policy: { maxTokensPerOwner: 200 } } });
    const dev = await developer(p.t);
    // 101 changes between the stream's creation and its first poll, which answers 100 of them.
    const opening = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const response = await p.network.fetch(input, init);
      if (init?.method === 'POST' && response.status === 201) {
        for (let i = 0; i < 100; i += 1) await p.t.mintPat(dev.identity.id, { name: `ci ${i}` });
        const deleted = await p.t.request({
          method: 'DELETE',
          url: `${V3}/${dev.patId}`,
          token: p.t.admin.token,
        });
        expect(deleted.statusCode).toBe(204);
      }
      return response;
    };
    const verifier = await p.verifier({ fetch: opening });
    expect(verifier.fresh).toBe(false);
    expect(await outcome(verifier, p.t.admin.token)).toEqual({
      code: 'ERR_STREAM_STALE',
      message: STALE(5000),
    });
    await until(() => verifier.fresh, 'it reads the rest');
    expect(await outcome(verifier, dev.token)).toEqual(REVOKED);
    expect(p.network.acknowledged()).toHaveLength(101);
  });

  it('stops polling and deletes its stream on close', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier();
    const listed = async () =>
      (await p.t.request({ method: 'GET', url: STREAMS, token: p.t.admin.token })).json<
        { stream_id: string }[]
      >();
    expect((await listed()).map((s) => s.stream_id)).toEqual([verifier.streamId]);
    await verifier.close();
    expect(await listed()).toEqual([]);
    const polls = p.network.to(POLL).length;
    await realDelay(300);
    expect(p.network.to(POLL)).toHaveLength(polls);
  });
});

/** A SET saying `patId` was deleted, signed with a key that is not Patina's. */
async function forgedDeletion(issuer: string, patId: string): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT({
    sub_id: { format: 'opaque', id: patId },
    events: {
      'https://schemas.openid.net/secevent/caep/event-type/credential-change': {
        change_type: 'delete',
        event_timestamp: Math.floor(Date.now() / 1000) + 60,
      },
    },
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'secevent+jwt' })
    .setIssuer(issuer)
    .setIssuedAt()
    .setJti('forged')
    .sign(privateKey);
}
