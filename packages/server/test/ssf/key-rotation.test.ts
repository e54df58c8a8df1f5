import { describe, expect, it } from 'vitest';
import { SSF_PATHS } from '@patina/contract';
import { DAY_MS, startTestApp, type TestApp } from '../helpers.js';

async function publishedKids(t: TestApp): Promise<string[]> {
  const response = await t.request({ method: 'GET', url: SSF_PATHS.jwks });
  expect(response.statusCode).toBe(200);
  return response.json<{ keys: { kid: string }[] }>().keys.map((key) => key.kid);
}

describe('the Shared Signals keys', () => {
  it('rotate on signing.rotateAfterDays, the old one published while its SETs may wait', async () => {
    const t = await startTestApp({ config: { signing: { rotateAfterDays: 30 } } });
    const [first] = await publishedKids(t);
    t.clock.advance(29 * DAY_MS);
    await t.services.housekeeping.runOnce();
    expect(await publishedKids(t)).toEqual([first]);

    t.clock.advance(2 * DAY_MS);
    await t.services.housekeeping.runOnce();
    const kids = await publishedKids(t);
    expect(kids).toHaveLength(2);
    expect(kids[1]).toBe(first);
    // New SETs are signed with the new key.
    expect(t.services.ssf.keys.current().kid).toBe(kids[0]);
    const rotated = await t.auditEvents('SIGNING_KEY_ROTATED');
    expect(rotated.map((row) => JSON.parse(row.details) as Record<string, unknown>)).toEqual(
      expect.arrayContaining([
        { previousKid: first, algorithm: 'RS256', purpose: 'security-events' },
      ]),
    );

    // ssf.eventRetentionDays (7) later, nothing it signed can still be waiting: unpublished.
    t.clock.advance(7 * DAY_MS + 1000);
    expect(await publishedKids(t)).toEqual([kids[0]]);
  });

  it('never rotate without signing.rotateAfterDays', async () => {
    const t = await startTestApp();
    const before = await publishedKids(t);
    t.clock.advance(400 * DAY_MS);
    await t.services.housekeeping.runOnce();
    expect(await publishedKids(t)).toEqual(before);
  });
});
