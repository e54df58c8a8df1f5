import { describe, expect, it } from 'vitest';
import {
  BAD_CREDENTIALS,
  expectRefused,
  HOUR_MS,
  MAX_EXPIRY,
  START,
  startTestApp,
  type TestApp,
} from '../helpers.js';

const PATS = '/patina/v1/personal-access-tokens';

function rotate(t: TestApp, id: string, json: unknown, token = t.admin.token) {
  return t.request({ method: 'POST', url: `${PATS}/${id}/rotate`, token, json });
}

/** A PAT of a new USER identity, and the identity's login token. */
async function userPat(t: TestApp) {
  const user = await t.user({ name: 'Ulf User', login: 'ulf' });
  const pat = await t.mintPat(user.identity.id, {
    name: 'deploy',
    scope: ['sp:my-personal-access-tokens:read'],
  });
  return { user, pat };
}

describe('POST /patina/v1/personal-access-tokens/{id}/rotate', () => {
  it('answers the create response with a new secret, the same id and the grace end', async () => {
    const t = await startTestApp();
    const { pat } = await userPat(t);
    const response = await rotate(t, pat.id, { gracePeriodSeconds: 3600 });
    expect(response.statusCode).toBe(200);
    const body = response.json<Record<string, unknown>>();
    expect(body.id).toBe(pat.id);
    expect(body.secret).toMatch(/^patina_[0-9A-Za-z]{57}$/);
    expect(body.secret).not.toBe(pat.secret);
    expect(body.rotatedAt).toBe(START);
    expect(body.previousSecretValidUntil).toBe('2026-01-15T11:00:00.000Z');
    expect(body.expirationDate).toBe(MAX_EXPIRY);
    expect(body.status).toBe('ACTIVE');
  });

  it('keeps both secrets working inside the grace window and only the new one after', async () => {
    const t = await startTestApp();
    const { pat } = await userPat(t);
    const response = await rotate(t, pat.id, { gracePeriodSeconds: 600 });
    const secret = response.json<{ secret: string }>().secret;
    t.clock.advance(599_999);
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(200);
    expect((await t.exchange(pat.id, secret)).statusCode).toBe(200);
    t.clock.advance(1);
    const old = await t.exchange(pat.id, pat.secret);
    expect(old.statusCode).toBe(401);
    expect(old.json()).toStrictEqual(BAD_CREDENTIALS);
    expect((await t.exchange(pat.id, secret)).statusCode).toBe(200);
  });

  it('with no grace (the default) refuses the old secret at once', async () => {
    const t = await startTestApp();
    const { pat } = await userPat(t);
    const response = await rotate(t, pat.id, {});
    expect(response.json<{ previousSecretValidUntil: unknown }>().previousSecretValidUntil).toBe(
      null,
    );
    expect((await t.exchange(pat.id, pat.secret)).json()).toStrictEqual(BAD_CREDENTIALS);
    const secret = response.json<{ secret: string }>().secret;
    expect((await t.exchange(pat.id, secret)).statusCode).toBe(200);
  });

  it('ends an earlier grace window at once when rotated again', async () => {
    const t = await startTestApp();
    const { pat } = await userPat(t);
    const first = (await rotate(t, pat.id, { gracePeriodSeconds: 3600 })).json<{
      secret: string;
    }>();
    const second = (await rotate(t, pat.id, { gracePeriodSeconds: 3600 })).json<{
      secret: string;
    }>();
    expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(401);
    expect((await t.exchange(pat.id, first.secret)).statusCode).toBe(200);
    expect((await t.exchange(pat.id, second.secret)).statusCode).toBe(200);
    t.clock.advance(HOUR_MS);
    expect((await t.exchange(pat.id, first.secret)).statusCode).toBe(401);
  });
});
