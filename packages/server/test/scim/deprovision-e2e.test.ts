import { RIGHTS, SCIM_BASE, SCIM_MEDIA_TYPE, SCIM_SCHEMAS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { V3 } from '../helpers.js';
import {
  DISABLED_OWNER,
  outcome,
  REVOKED_PAT,
  timeToRefusal,
  verifiedPatina,
} from '../interop/verify-harness.js';
import { SpecReceiver } from '../ssf/receiver.js';

/**
 * The guarantee of issue 28, end to end: a person the directory provisions over SCIM makes a PAT
 * and trades it for an access token that an API behind @patina/verify accepts; a Shared Signals
 * poll receiver listens. The directory deactivates the person (Okta's and Entra's PATCH
 * `active: false`): within a second Patina and @patina/verify refuse the token, and the receiver
 * is told by CAEP session-revoked and credential-change. Over real HTTP, on each database.
 */

const TIMEOUT = { timeout: 30_000 };
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type';
const REFUSAL_BOUND_MS = 1000;

/** Deprovisionings as the directories send them: a PATCH of `active`, or a DELETE. */
const DEPROVISIONINGS = [
  {
    name: 'Okta deactivates (PATCH replace without a path, active false)',
    method: 'PATCH',
    body: {
      schemas: [SCIM_SCHEMAS.patchOp],
      Operations: [{ op: 'replace', value: { active: false } }],
    },
    status: 200,
  },
  {
    name: 'Entra ID deactivates (PATCH Replace active with the string "False")',
    method: 'PATCH',
    body: {
      schemas: [SCIM_SCHEMAS.patchOp],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    },
    status: 200,
  },
  { name: 'the directory deletes the user (offboarding)', method: 'DELETE', status: 204 },
];

describe('SCIM deprovisioning ends every credential within a second', TIMEOUT, () => {
  it.each(DEPROVISIONINGS)('$name', async (deprovision) => {
    const p = await verifiedPatina();
    const { t, base } = p;
    const verifier = await p.verifier();

    // The directory's token: a PAT of the administrator with patina:scim:provision alone.
    const directory = await t.mintPat(t.admin.identity.id, {
      name: 'okta',
      scope: [RIGHTS.scimProvision],
    });
    const scim = (method: string, path: string, body?: unknown) =>
      fetch(`${base}${SCIM_BASE}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${directory.secret}`,
          ...(body !== undefined && { 'content-type': SCIM_MEDIA_TYPE }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });

    // A Shared Signals receiver with a poll stream (RFC 8936), open before anything happens.
    const risk = await t.user({ name: 'Risk engine', login: 'risk', rights: ['ssf.manage'] });
    const receiver = new SpecReceiver(t, risk.token);
    const stream = await receiver.createPollStream();

    // The directory provisions Grace.
    const created = await scim('POST', '/Users', {
      schemas: [SCIM_SCHEMAS.user],
      userName: 'grace@example.com',
      externalId: '00u1a2b3c4',
      name: { givenName: 'Grace', familyName: 'Hopper' },
      emails: [{ value: 'grace@example.com', primary: true, type: 'work' }],
      active: true,
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const graceId = ((await created.json()) as { id: string }).id;

    // Grace signs in (a first PAT an administrator hands over), makes her own PAT and trades it.
    const first = await t.mintPat(graceId, { name: 'laptop', scope: null });
    const firstToken = await t.accessToken(first.id, first.secret);
    const made = await fetch(`${base}${V3}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${firstToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ci', scope: ['sp:my-personal-access-tokens:read'] }),
    });
    expect(made.status, await made.clone().text()).toBe(200);
    const ci = (await made.json()) as { id: string; secret: string };
    const token = await t.accessToken(ci.id, ci.secret);
    expect(await outcome(verifier, token)).toEqual({ client_id: ci.id });
    const ownList = () =>
      fetch(`${base}${V3}?owner-id=me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await ownList()).status).toBe(200);
    await receiver.drain(stream); // the creations' SETs: not what this test is about

    // The directory deprovisions her. A change of the next second: tokens of earlier seconds end.
    p.advance(1000);
    const started = performance.now();
    const answered = await scim(deprovision.method, `/Users/${graceId}`, deprovision.body);
    expect(answered.status, await answered.clone().text()).toBe(deprovision.status);
    if (deprovision.status === 200) {
      expect(await answered.json()).toMatchObject({ id: graceId, active: false });
    }

    // @patina/verify refuses within a second, told by its stream.
    const refusal = await timeToRefusal(verifier, token, started);
    expect(refusal.code).toBe('ERR_TOKEN_REVOKED');
    expect([DISABLED_OWNER, REVOKED_PAT]).toContain(refusal.message);
    expect(refusal.elapsedMs).toBeLessThan(REFUSAL_BOUND_MS);
    // Patina refuses it, and every PAT of hers is no longer exchanged.
    expect((await ownList()).status).toBe(401);
    for (const pat of [ci, first]) {
      expect((await t.exchange(pat.id, pat.secret)).statusCode).toBe(401);
    }
    // Nobody else's token is touched.
    expect(await outcome(verifier, t.admin.token)).toEqual({ client_id: t.admin.patId });

    // The receiver is told: her sessions are revoked, her credentials changed.
    const sets = await receiver.drain(stream);
    const about = (type: string) => sets.filter((set) => set.type === `${CAEP}/${type}`);
    expect(about('session-revoked').map((set) => set.payload.sub_id)).toEqual([
      { format: 'iss_sub', iss: base, sub: graceId },
    ]);
    // One credential-change per PAT of hers (issue 28: "session-revoked and credential-change
    // SETs go out" on active: false as on DELETE).
    expect(
      about('credential-change')
        .map((set) => (set.payload.sub_id as { id: string }).id)
        .sort(),
      'a credential-change SET for each of her PATs',
    ).toEqual([ci.id, first.id].sort());
  });
});
