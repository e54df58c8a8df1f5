import { SCIM_EVENTS_KEPT } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { expectScimError, startScim } from './scim-setup.js';

/** The API's rate limit applies to /scim/v2 (per directory); the event log keeps the newest. */

describe('SCIM limits and events', () => {
  it('answers 429 with Retry-After once the directory spends the rate limit', async () => {
    const s = await startScim({ config: { policy: { rateLimit: { max: 3 } } } });
    for (let i = 0; i < 3; i++) expect((await s.scim('GET', '/Users')).statusCode).toBe(200);
    const limited = await s.scim('GET', '/Users');
    expectScimError(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it("notes the directory's PAT as used (lastUsed, once a day), as an exchange does", async () => {
    const s = await startScim();
    const [pat] = await s.t.storage.db
      .selectFrom('personal_access_tokens')
      .select(['id', 'last_used'])
      .where('name', '=', 'okta')
      .execute();
    expect(pat!.last_used).toBeNull();
    await s.scim('GET', '/Users');
    await s.scim('GET', '/Users');
    const used = await s.t.auditEvents('PERSONAL_ACCESS_TOKEN_USED');
    const mine = used.filter((e) => e.target_id === pat!.id);
    expect(mine).toHaveLength(1);
    expect(JSON.parse(mine[0]!.details)).toMatchObject({ via: 'SCIM' });
    const after = await s.t.storage.repos.patCredentials.findCredential(pat!.id);
    expect(after?.lastUsed).toBe(s.t.clock.now().toISOString());
  });

  it(`keeps the newest ${SCIM_EVENTS_KEPT} provisioning events`, async () => {
    const s = await startScim();
    for (let i = 0; i < SCIM_EVENTS_KEPT + 5; i++) {
      s.t.clock.advance(1);
      await s.t.services.scim.recordEvent({
        method: 'GET',
        path: `/scim/v2/Users/${i}`,
        status: 200,
        resourceType: 'User',
        resourceId: null,
        externalId: null,
        name: null,
        clientId: null,
        message: null,
      });
    }
    const rows = await s.t.storage.db
      .selectFrom('scim_events')
      .select('path')
      .orderBy('at')
      .execute();
    expect(rows).toHaveLength(SCIM_EVENTS_KEPT);
    expect(rows[0]!.path).toBe('/scim/v2/Users/5');
  });
});
