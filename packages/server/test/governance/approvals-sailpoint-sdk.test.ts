import { PersonalAccessTokensApi, PersonalAccessTokensV2024Api } from 'sailpoint-api-client';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers.js';
import {
  listen,
  rejection,
  sailPointRejection,
  sdkConfiguration,
} from '../interop/sailpoint-harness.js';

/**
 * SailPoint's own SDK meets an approval rule (docs/governance.md, "Approval"): its create cannot
 * carry a justification, so Patina refuses it with SailPoint's error body, whose message says
 * which scope needs approval and where to ask; the SDK rejects with that message, and nothing is
 * made.
 */
describe('an approval rule, through SailPoint’s TypeScript SDK', () => {
  it('v3 and v2024 creates of a sensitive scope are refused with a clear message', async () => {
    const t = await startTestApp({
      config: {
        approval: { rules: [{ scopes: ['orders:write'], approvers: { roles: ['ORG_ADMIN'] } }] },
      },
    });
    const rita = await t.user({ name: 'Rita Requester', login: 'rita', rights: ['orders:write'] });
    const { base } = await listen(t);
    const cfg = await sdkConfiguration(base, rita.patId, rita.secret);
    const text =
      "Scope 'orders:write' needs an approver's yes (approval.rules): ask with a justification at /patina/v1/personal-access-tokens (patina pat create --justification, or the console); an approver decides under /patina/v1/pat-requests";

    const v3 = new PersonalAccessTokensApi(cfg);
    expect(
      await rejection(
        v3.createPersonalAccessToken({
          createPersonalAccessTokenRequest: { name: 'sdk-payments', scope: ['orders:write'] },
        }),
      ),
    ).toMatchObject(sailPointRejection(403, '403.1 Approval required', text, []));

    const v2024 = new PersonalAccessTokensV2024Api(cfg);
    expect(
      await rejection(
        v2024.createPersonalAccessToken({
          createPersonalAccessTokenRequestV2024: { name: 'sdk-payments', scope: ['orders:write'] },
        }),
      ),
    ).toMatchObject(sailPointRejection(403, '403.1 Approval required', text, []));

    // A scope no rule names is made as ever.
    const plain = await v3.createPersonalAccessToken({
      createPersonalAccessTokenRequest: { name: 'sdk-reader', scope: ['orders:read'] },
    });
    expect(plain.status).toBe(200);
    const names = await t.storage.db
      .selectFrom('personal_access_tokens')
      .select('name')
      .where('owner_id', '=', rita.identity.id)
      .execute();
    expect(names.map((n) => n.name).sort()).toEqual(['login', 'sdk-reader']);
    expect(await t.storage.db.selectFrom('pat_requests').selectAll().execute()).toEqual([]);
  });
});
