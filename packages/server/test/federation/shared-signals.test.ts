import { Revocations } from '@patina/verify';
import { describe, expect, it } from 'vitest';
import { decodeJwt, type TestApp } from '../helpers.js';
import { SpecReceiver, type VerifiedSet } from '../ssf/receiver.js';
import { startJwksIssuer } from './jwks-issuer.js';
import {
  createPolicy,
  PATINA_AUDIENCE,
  startFederationApp,
  tokenExchange,
  TRUST_POLICIES,
} from './setup.js';

const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
const SA = 'system:serviceaccount:payments:deployer';
const REFUSED =
  'The personal access token or trust policy of this token was revoked, deleted or changed after it was issued';

/**
 * A Patina app with a trust policy for a loopback issuer, and a Shared Signals receiver polling a
 * stream opened before the policy existed.
 */
async function setup() {
  const { t, serviceId } = await startFederationApp();
  const issuer = await startJwksIssuer();
  const listener = await t.user({
    name: 'Orders API',
    login: 'orders-api',
    rights: ['ssf.manage'],
  });
  const receiver = new SpecReceiver(t, listener.token);
  const stream = await receiver.createPollStream();
  const policy = await createPolicy(t, {
    name: 'payments deployer',
    issuer: issuer.url,
    jwksUri: issuer.jwksUri,
    conditions: { sub: SA },
    identityId: serviceId,
    scope: ['orders:read'],
  });
  const patch = async (json: Record<string, unknown>) => {
    const res = await t.request({
      method: 'PATCH',
      url: `${TRUST_POLICIES}/${policy.id}`,
      token: t.admin.token,
      json,
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(res.statusCode, res.body).toBe(200);
  };
  /** An access token of the policy, from a real exchange of the workload's token. */
  const exchanged = async () => {
    const res = await tokenExchange(t, await issuer.sign({ sub: SA, aud: PATINA_AUDIENCE }));
    expect(res.statusCode, res.body).toBe(200);
    return decodeJwt(res.json<{ access_token: string }>().access_token).payload;
  };
  return { t, policy, patch, exchanged, drain: () => receiver.drain(stream) };
}

/** The one credential-change a policy's change is told as. */
function credentialChange(
  t: TestApp,
  policyId: string,
  fields: { change: string; name: string; words: string },
) {
  return {
    type: CREDENTIAL_CHANGE,
    subject: { format: 'opaque', id: policyId },
    event: {
      credential_type: 'workload-trust-policy',
      change_type: fields.change,
      friendly_name: fields.name,
      event_timestamp: t.clock.now().getTime() / 1000,
      initiating_entity: 'admin',
      reason_admin: { en: `Trust policy ${fields.words} by an administrator` },
    },
  };
}

const told = (sets: VerifiedSet[]) =>
  sets.map((s) => ({ type: s.type, subject: s.payload.sub_id, event: s.event }));

describe('Shared Signals of trust policies', () => {
  it('tells nothing of a create, a rename or a new lifetime', async () => {
    const { patch, drain } = await setup();
    await patch({ name: 'payments deployer (prod)' });
    await patch({ maxTokenLifetimeSeconds: 300 });
    expect(await drain()).toEqual([]);
  });

  it('tells of a disable with credential-change revoke, naming the policy by its id', async () => {
    const { t, policy, patch, drain } = await setup();
    t.clock.advance(1500);
    await patch({ enabled: false });
    expect(told(await drain())).toEqual([
      credentialChange(t, policy.id, {
        change: 'revoke',
        name: 'payments deployer',
        words: 'disabled',
      }),
    ]);
    // Enabling it again ends nothing: nothing is told.
    await patch({ enabled: true });
    expect(await drain()).toEqual([]);
  });

  it('tells of a change of scope or conditions with credential-change update', async () => {
    const { t, policy, patch, drain } = await setup();
    t.clock.advance(1000);
    await patch({ scope: ['orders:read', 'orders:write'] });
    const scope = credentialChange(t, policy.id, {
      change: 'update',
      name: 'payments deployer',
      words: 'changed',
    });
    t.clock.advance(1000);
    await patch({ conditions: { sub: `${SA}-2` }, name: 'payments release' });
    const conditions = credentialChange(t, policy.id, {
      change: 'update',
      name: 'payments release',
      words: 'changed',
    });
    expect(told(await drain())).toEqual([scope, conditions]);
  });

  it('tells of a delete with credential-change delete', async () => {
    const { t, policy, drain } = await setup();
    t.clock.advance(1000);
    const res = await t.request({
      method: 'DELETE',
      url: `${TRUST_POLICIES}/${policy.id}`,
      token: t.admin.token,
    });
    expect(res.statusCode).toBe(204);
    expect(told(await drain())).toEqual([
      credentialChange(t, policy.id, {
        change: 'delete',
        name: 'payments deployer',
        words: 'deleted',
      }),
    ]);
  });

  it('makes @patina/verify refuse the policy’s earlier tokens once applied, not later ones', async () => {
    const { t, policy, patch, exchanged, drain } = await setup();
    const token = await exchanged();
    expect(token.client_id).toBe(policy.id);
    const revocations = new Revocations();
    expect(revocations.refusal(token)).toBeUndefined();
    t.clock.advance(1000);
    await patch({ enabled: false });
    const sets = await drain();
    expect(sets).toHaveLength(1);
    for (const set of sets) revocations.apply(set.payload);
    expect(revocations.refusal(token)).toBe(REFUSED);
    const later = { ...token, iat: Math.ceil(t.clock.now().getTime() / 1000) + 1 };
    expect(revocations.refusal(later)).toBeUndefined();
  });

  it('makes @patina/verify refuse tokens of seconds before a change of scope', async () => {
    const { t, patch, exchanged, drain } = await setup();
    const token = await exchanged();
    t.clock.advance(2000);
    await patch({ scope: ['orders:read', 'orders:write'] });
    const revocations = new Revocations();
    for (const set of await drain()) revocations.apply(set.payload);
    expect(revocations.refusal(token)).toBe(REFUSED);
    // A token of the change's own second may be a new one: not refused.
    const sameSecond = { ...token, iat: Math.floor(t.clock.now().getTime() / 1000) };
    expect(revocations.refusal(sameSecond)).toBeUndefined();
  });
});
