import type { Identity } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import type { TestApp } from '../helpers.js';
import {
  signInThroughIdp,
  sessionIdentity,
  startIdp,
  startSsoApp,
  type TestIdp,
} from './oidc-idp.js';

/**
 * Issue 21, item 1: an SSO sign-in is bound to the provider account (`iss`, `sub`), and a first
 * sign-in never takes over an identity made another way. Every test goes through a real OpenID
 * provider's pages and Patina's callback; the people it names are the provider's accounts.
 */

/** Each sign-in may rewrite the roles of the identity it reaches: a takeover would show. */
const GROUP_ROLES = { 'patina-admins': ['ORG_ADMIN'] };

interface World {
  t: TestApp;
  idp: TestIdp;
  /** The bootstrap administrator (login `admin`), as a first start makes it. */
  admin: Identity;
  /** Someone an administrator made through the API, with a mail address. */
  victim: Identity;
}

async function world(sso: Record<string, unknown> = {}): Promise<World> {
  const idp = await startIdp();
  const t = await startSsoApp(idp, { groupRoles: GROUP_ROLES, ...sso });
  const admin = await t.services.identities.create(SYSTEM_CONTEXT, {
    name: 'Administrator',
    login: 'admin',
    roles: ['ORG_ADMIN'],
  });
  const victim = await t.services.identities.create(SYSTEM_CONTEXT, {
    name: 'Victor Victim',
    login: 'victim@example.com',
    email: 'victim@example.com',
    roles: ['AUDITOR'],
  });
  return { t, idp, admin, victim };
}

const identity = async (t: TestApp, id: string) => (await t.storage.repos.identities.findById(id))!;

/** The administrator and the victim are exactly as they were made: roles, link, everything. */
async function untouched(w: World): Promise<void> {
  expect(await identity(w.t, w.admin.id)).toEqual(w.admin);
  expect(await identity(w.t, w.victim.id)).toEqual(w.victim);
}

describe('an SSO account whose claims name someone else', () => {
  it('(a) preferred_username `admin` gets an identity of its own, never the bootstrap admin', async () => {
    const w = await world();
    w.idp.people.set('mallory', { preferred_username: 'admin', name: 'Mallory' });
    const who = await sessionIdentity(w.t, await signInThroughIdp(w.t, 'mallory'));
    expect(who.id).not.toBe(w.admin.id);
    // The user name is only the new identity's login, made unique.
    expect(await identity(w.t, who.id)).toMatchObject({
      login: 'admin-2',
      name: 'Mallory',
      roles: ['USER'],
      ssoLink: { issuer: `${w.idp.issuer}/`, subject: 'mallory' },
    });
    expect((await identity(w.t, who.id)).email).toBeUndefined();
    await untouched(w);
  });

  it('(a) is refused, not let in as `admin`, when autoProvision is off', async () => {
    const w = await world({ autoProvision: false });
    w.idp.people.set('mallory', { preferred_username: 'admin', groups: ['patina-admins'] });
    expect(await signInThroughIdp(w.t, 'mallory')).toEqual({
      location: '/ui/sign-in?error=SSO_NOT_PROVISIONED',
      cookie: undefined,
    });
    expect(await w.t.storage.repos.identities.count()).toBe(3);
    await untouched(w);
  });

  it.each([
    ['without email_verified', {}],
    ['with email_verified false', { email_verified: false }],
    ['with email_verified "true" (a string)', { email_verified: 'true' }],
  ])(
    '(b) an email %s never reaches the person whose login and address it is, even with linkExistingByVerifiedEmail',
    async (_what, verified) => {
      const w = await world({ linkExistingByVerifiedEmail: true });
      w.idp.people.set('mallory', {
        email: 'victim@example.com',
        ...verified,
        preferred_username: 'victim@example.com',
      });
      const who = await sessionIdentity(w.t, await signInThroughIdp(w.t, 'mallory'));
      expect(who.id).not.toBe(w.victim.id);
      const made = await identity(w.t, who.id);
      expect(made).toMatchObject({ login: 'victim@example.com-2', roles: ['USER'] });
      // An address nobody verified is not kept either: Patina would mail it.
      expect(made.email).toBeUndefined();
      await untouched(w);
    },
  );

  it('(b) with no other claim, an unverified email is no one to be', async () => {
    const w = await world({ linkExistingByVerifiedEmail: true });
    w.idp.people.set('mallory', { email: 'victim@example.com' });
    expect(await signInThroughIdp(w.t, 'mallory')).toEqual({
      location: '/ui/sign-in?error=SSO_NO_IDENTITY_CLAIM',
      cookie: undefined,
    });
    await untouched(w);
  });

  it('(c) a verified email does not reach the person who has it unless linkExistingByVerifiedEmail is on', async () => {
    const w = await world();
    w.idp.people.set('mallory', {
      email: 'victim@example.com',
      email_verified: true,
      groups: ['patina-admins'],
    });
    const who = await sessionIdentity(w.t, await signInThroughIdp(w.t, 'mallory'));
    expect(who.id).not.toBe(w.victim.id);
    expect(await identity(w.t, who.id)).toMatchObject({
      login: 'victim@example.com-2',
      email: 'victim@example.com',
      // The provider's group is this new identity's: the IdP's administrators decided that.
      roles: ['ORG_ADMIN', 'USER'],
    });
    await untouched(w);
  });
});

describe('a person the SSO link names', () => {
  it('comes back to the same identity by (iss, sub), whatever their email and user name say now', async () => {
    const w = await world({ linkExistingByVerifiedEmail: true });
    w.idp.people.set('grace', {
      email: 'grace@example.com',
      email_verified: true,
      preferred_username: 'grace',
      name: 'Grace Hopper',
    });
    const first = await sessionIdentity(w.t, await signInThroughIdp(w.t, 'grace'));
    expect(first.login).toBe('grace@example.com');
    w.idp.people.set('grace', {
      email: 'victim@example.com',
      email_verified: true,
      preferred_username: 'admin',
      name: 'Grace Hopper',
    });
    const again = await sessionIdentity(w.t, await signInThroughIdp(w.t, 'grace'));
    expect(again.id).toBe(first.id);
    await untouched(w);
  });

  it('signs in as the identity an administrator linked (PATCH ssoLink), and its groups set its roles', async () => {
    const w = await world();
    w.idp.people.set('root', { preferred_username: 'someone', groups: ['patina-admins'] });
    const linked = await w.t.patchIdentity(w.admin.id, {
      ssoLink: { issuer: w.idp.issuer, subject: 'root' },
    });
    expect(linked.statusCode, linked.body).toBe(200);
    expect(linked.json<Identity>().ssoLink).toEqual({
      issuer: `${w.idp.issuer}/`,
      subject: 'root',
    });
    const who = await sessionIdentity(w.t, await signInThroughIdp(w.t, 'root'));
    expect(who.id).toBe(w.admin.id);
    expect((await identity(w.t, w.admin.id)).roles).toEqual(['ORG_ADMIN', 'USER']);
    // Nobody else's account reaches the linked administrator, whatever its claims.
    w.idp.people.set('mallory', { preferred_username: 'admin' });
    const other = await sessionIdentity(w.t, await signInThroughIdp(w.t, 'mallory'));
    expect(other.id).not.toBe(w.admin.id);
    expect(await identity(w.t, w.victim.id)).toEqual(w.victim);
  });

  it('signs in as the identity with that verified address when linkExistingByVerifiedEmail is on, once', async () => {
    const w = await world({ linkExistingByVerifiedEmail: true });
    w.idp.people.set('victor', {
      email: 'VICTIM@example.com',
      email_verified: true,
      preferred_username: 'victor',
    });
    const who = await sessionIdentity(w.t, await signInThroughIdp(w.t, 'victor'));
    expect(who.id).toBe(w.victim.id);
    // Linked from now on; the link owns it, so its groups (none) set its roles.
    expect(await identity(w.t, w.victim.id)).toMatchObject({
      ssoLink: { issuer: `${w.idp.issuer}/`, subject: 'victor' },
      roles: ['USER'],
    });
    const audit = await w.t.auditEvents('IDENTITY_UPDATED');
    expect(JSON.parse(String(audit[0]?.details))).toEqual({
      changed: ['ssoLink'],
      ssoLink: { issuer: `${w.idp.issuer}/`, subject: 'victor' },
    });
    // A second account with the same verified address does not take it over.
    w.idp.people.set('mallory', { email: 'victim@example.com', email_verified: true });
    const other = await sessionIdentity(w.t, await signInThroughIdp(w.t, 'mallory'));
    expect(other.id).not.toBe(w.victim.id);
    expect(await identity(w.t, w.admin.id)).toEqual(w.admin);
  });
});
