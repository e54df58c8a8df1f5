import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { makeSecret } from '../../src/tokens/secret.js';
import {
  BAD_CREDENTIALS,
  expectRefused,
  ILLEGAL,
  MISSING,
  startTestApp,
  type TestApp,
} from '../helpers.js';
import { auditOf, isLive, PATINA_PATS, userWithPat } from './helpers.js';

const REVOKE = '/patina/v1/credentials/revoke';

function report(t: TestApp, json: unknown, remoteAddress = '198.51.100.7') {
  return t.app.inject({
    method: 'POST',
    url: REVOKE,
    remoteAddress,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(json),
  });
}

/** The answer as a client sees it, minus what differs by the clock (Date, rate-limit reset). */
function answer(response: LightMyRequestResponse) {
  const headers = { ...response.headers };
  delete headers.date;
  delete headers['x-ratelimit-reset'];
  return { status: response.statusCode, headers, body: response.rawPayload.toString('base64') };
}

describe('POST /patina/v1/credentials/revoke', () => {
  it('revokes exactly the PAT of the one real secret among 1,000, answering as if none were real', async () => {
    const t = await startTestApp();
    const { user, pat } = await userWithPat(t);
    const token = await t.accessToken(pat.id, pat.secret);
    const decoys = Array.from({ length: 999 }, () => makeSecret());

    const none = await report(t, { credentials: [...decoys, makeSecret()] }, '198.51.100.1');
    const real = await report(
      t,
      { credentials: [...decoys.slice(0, 500), pat.secret, ...decoys.slice(500)] },
      '198.51.100.2',
    );
    expect(real.statusCode).toBe(202);
    expect(real.json()).toStrictEqual({});
    expect(answer(real)).toStrictEqual(answer(none));

    expect(await isLive(t, pat.id)).toBe(false);
    expect(await isLive(t, user.patId)).toBe(true);
    expect(await isLive(t, t.admin.patId)).toBe(true);
    expect(await auditOf(t, 'PERSONAL_ACCESS_TOKEN_REVOKED')).toStrictEqual([
      {
        targetId: pat.id,
        actorId: null,
        outcome: 'SUCCESS',
        sourceIp: '198.51.100.2',
        details: { ownerId: user.identity.id, reason: 'LEAKED' },
      },
    ]);
    // The secret no longer exchanges, and tokens minted from it stop working on the API.
    expect((await t.exchange(pat.id, pat.secret)).json()).toStrictEqual(BAD_CREDENTIALS);
    const api = await t.request({ method: 'GET', url: `${PATINA_PATS}?owner-id=me`, token });
    expect(api.statusCode).toBe(401);
  });

  it('answers 202 {} and changes nothing for strings that are not Patina secrets', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    const flipped = pat.secret.slice(0, 63) + (pat.secret.endsWith('A') ? 'B' : 'A');
    const before = await t.snapshot();
    const response = await report(t, {
      credentials: ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', flipped, '', pat.id],
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toStrictEqual({});
    expect(await t.snapshot()).toStrictEqual(before);
  });

  it('revokes a PAT by its old secret inside the rotation grace, not after', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    const other = await userWithPat(t, 'vera');
    for (const id of [pat.id, other.pat.id]) {
      const rotated = await t.request({
        method: 'POST',
        url: `${PATINA_PATS}/${id}/rotate`,
        token: t.admin.token,
        json: { gracePeriodSeconds: id === pat.id ? 3600 : 0 },
      });
      expect(rotated.statusCode).toBe(200);
    }
    expect((await report(t, { credentials: [pat.secret, other.pat.secret] })).statusCode).toBe(202);
    expect(await isLive(t, pat.id)).toBe(false);
    // Outside its grace the old secret is dead already: nothing to revoke.
    expect(await isLive(t, other.pat.id)).toBe(true);
  });

  // The grace ends at previousSecretValidUntil exactly, as it does for the exchange.
  it('ignores an old secret once a real grace window has ended', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    const rotated = await t.request({
      method: 'POST',
      url: `${PATINA_PATS}/${pat.id}/rotate`,
      token: t.admin.token,
      json: { gracePeriodSeconds: 600 },
    });
    expect(rotated.statusCode).toBe(200);
    const secret = rotated.json<{ secret: string }>().secret;
    t.clock.advance(600_000);
    expect((await report(t, { credentials: [pat.secret] })).statusCode).toBe(202);
    expect(await isLive(t, pat.id)).toBe(true);
    expect(await auditOf(t, 'PERSONAL_ACCESS_TOKEN_REVOKED')).toEqual([]);
    expect((await t.exchange(pat.id, secret)).statusCode).toBe(200);
  });

  it('revokes each PAT once when its secret comes twice, and ignores one already gone', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    expect((await report(t, { credentials: [pat.secret, pat.secret] })).statusCode).toBe(202);
    expect((await report(t, { credentials: [pat.secret] })).statusCode).toBe(202);
    expect(await auditOf(t, 'PERSONAL_ACCESS_TOKEN_REVOKED')).toHaveLength(1);
  });

  it.each([
    [{}, MISSING, "Required 'credentials' is missing"],
    [{ credentials: [] }, ILLEGAL, "'credentials' must NOT have fewer than 1 items"],
    [{ credentials: 'patina_x' }, ILLEGAL, "'credentials' must be an array"],
    [{ credentials: [42] }, ILLEGAL, "'credentials[0]' must be a string"],
    [
      { credentials: ['a'.repeat(257)] },
      ILLEGAL,
      "'credentials[0]' must NOT have more than 256 characters",
    ],
    [
      { credentials: ['x'], extra: 1 },
      '400.1 Bad Request Content',
      "Unknown field 'extra': this resource has no such field",
    ],
  ])('refuses %j with a 400 naming the field', async (body, code, text) => {
    const t = await startTestApp();
    await expectRefused(t, () => report(t, body), [400, code, text]);
  });

  it('refuses more than 1,000 credentials', async () => {
    const t = await startTestApp();
    const credentials = Array.from({ length: 1001 }, () => makeSecret());
    await expectRefused(t, () => report(t, { credentials }), [
      400,
      ILLEGAL,
      "'credentials' must NOT have more than 1000 items",
    ]);
  });

  it('limits requests per source address (policy.leakRevocationRateLimit)', async () => {
    const t = await startTestApp({
      config: { policy: { leakRevocationRateLimit: { max: 2, windowSeconds: 3600 } } },
    });
    const body = { credentials: [makeSecret()] };
    expect((await report(t, body, '203.0.113.9')).statusCode).toBe(202);
    expect((await report(t, body, '203.0.113.9')).statusCode).toBe(202);
    const limited = await report(t, body, '203.0.113.9');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toStrictEqual({ message: 'Rate Limit Exceeded' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address has a bucket of its own; a malformed body counts too.
    expect((await report(t, body, '203.0.113.10')).statusCode).toBe(202);
  });

  it('needs no authentication, and ignores a bearer token', async () => {
    const t = await startTestApp();
    const { pat } = await userWithPat(t);
    const response = await t.app.inject({
      method: 'POST',
      url: REVOKE,
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
      payload: JSON.stringify({ credentials: [pat.secret] }),
    });
    expect(response.statusCode).toBe(202);
    expect(await isLive(t, pat.id)).toBe(false);
  });
});
