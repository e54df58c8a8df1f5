import { describe, expect, it } from 'vitest';
import type { TestApp, TestUser } from '../helpers.js';
import {
  deletePat,
  developer,
  outcome,
  REVOKED_PAT,
  timeToRefusal,
  verifiedPatina,
  type VerifiedPatina,
} from './verify-harness.js';

/**
 * A rotation with a grace window is a rotation without downtime: the tokens the old secret got
 * before it keep working until the grace ends, on Patina's own API and on a resource server
 * using @patina/verify alike (the rotation's SET carries the grace's end), and are refused from
 * that moment on. Without grace, and on a delete during the grace, they end at once.
 */

const TIMEOUT = { timeout: 30_000 };
const PATINA_PATS = '/patina/v1/personal-access-tokens';
const REVOKED = { code: 'ERR_TOKEN_REVOKED', message: REVOKED_PAT };
const GRACE_SECONDS = 600;
// The verifier stays fresh across the clock jumps below without waiting for a poll.
const QUIET = { maxStalenessMs: 3_600_000 };

function rotate(t: TestApp, dev: TestUser, gracePeriodSeconds: number) {
  return t.request({
    method: 'POST',
    url: `${PATINA_PATS}/${dev.patId}/rotate`,
    token: t.admin.token,
    json: { gracePeriodSeconds },
  });
}

/** Patina's own answer (introspection by the administrator): the verifier must agree with it. */
async function activeOnPatina(p: VerifiedPatina, token: string): Promise<boolean> {
  const response = await p.t.postForm('/oauth/introspect', {
    client_id: p.t.admin.patId,
    client_secret: p.t.admin.secret,
    token,
  });
  expect(response.statusCode).toBe(200);
  return response.json<{ active: boolean }>().active;
}

/**
 * Waits until the verifier has read every SET queued so far: a PAT deleted now is told after
 * them (one stream, in order), so once its token is refused the earlier SETs were applied.
 */
async function heardSoFar(
  p: VerifiedPatina,
  verifier: Awaited<ReturnType<VerifiedPatina['verifier']>>,
) {
  const marker = await developer(p.t, `marker${Date.now()}`);
  await deletePat(p.t, marker.patId);
  expect(await timeToRefusal(verifier, marker.token, performance.now())).toMatchObject(REVOKED);
}

describe('@patina/verify and a rotation’s grace window, as Patina’s API decides', TIMEOUT, () => {
  it('keeps a token issued before a rotation with grace until the grace ends, then refuses it', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier(QUIET);
    const dev = await developer(p.t);
    p.advance(1000);
    const rotated = await rotate(p.t, dev, GRACE_SECONDS);
    expect(rotated.statusCode, rotated.body).toBe(200);
    await heardSoFar(p, verifier);
    expect(await outcome(verifier, dev.token)).toEqual({ client_id: dev.patId });
    expect(await activeOnPatina(p, dev.token)).toBe(true);
    // Minted with the new secret in the rotation's own second: after it, so never refused by it.
    const fresh = await p.t.accessToken(dev.patId, rotated.json<{ secret: string }>().secret);

    // The last millisecond of the grace: both still take it.
    p.advance(GRACE_SECONDS * 1000 - 1);
    expect(await outcome(verifier, dev.token)).toEqual({ client_id: dev.patId });
    expect(await activeOnPatina(p, dev.token)).toBe(true);
    // The grace's end: both refuse it, and take the new secret's.
    p.advance(1);
    expect(await outcome(verifier, dev.token)).toEqual(REVOKED);
    expect(await activeOnPatina(p, dev.token)).toBe(false);
    expect(await outcome(verifier, fresh)).toEqual({ client_id: dev.patId });
    expect(await activeOnPatina(p, fresh)).toBe(true);
  });

  it('refuses a token issued before a rotation without grace at once, and takes one minted after', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier(QUIET);
    const dev = await developer(p.t);
    p.advance(1000);
    const rotated = await rotate(p.t, dev, 0);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { elapsedMs, ...refused } = await timeToRefusal(verifier, dev.token, performance.now());
    expect(refused).toEqual(REVOKED);
    expect(elapsedMs).toBeLessThan(1000);
    expect(await activeOnPatina(p, dev.token)).toBe(false);
    const secret = rotated.json<{ secret: string }>().secret;
    const sameSecond = await p.t.accessToken(dev.patId, secret);
    p.advance(1000);
    const later = await p.t.accessToken(dev.patId, secret);
    for (const token of [sameSecond, later]) {
      expect(await outcome(verifier, token)).toEqual({ client_id: dev.patId });
      expect(await activeOnPatina(p, token)).toBe(true);
    }
  });

  it('refuses at once a token of a PAT deleted during a rotation’s grace', async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier(QUIET);
    const dev = await developer(p.t);
    p.advance(1000);
    const rotated = await rotate(p.t, dev, GRACE_SECONDS);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const fresh = await p.t.accessToken(dev.patId, rotated.json<{ secret: string }>().secret);
    await heardSoFar(p, verifier);
    expect(await outcome(verifier, dev.token)).toEqual({ client_id: dev.patId });
    p.advance(1000);
    await deletePat(p.t, dev.patId);
    for (const token of [dev.token, fresh]) {
      const { elapsedMs, ...refused } = await timeToRefusal(verifier, token, performance.now());
      expect(refused).toEqual(REVOKED);
      expect(elapsedMs).toBeLessThan(1000);
    }
  });
});
