import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import type { ConsoleSignIn, SignedIn } from '../../src/console/sign-in.js';
import { ConsoleSignIn as SignIn } from '../../src/console/sign-in.js';
import type { TestApp } from '../helpers.js';
import { startConsoleApp, viaConsole } from './console-app.js';

const CONTEXT = { ...SYSTEM_CONTEXT.audit, sourceIp: '127.0.0.1' };
const ISS = 'https://login.example.com';
/** What the provider's ID token says of the account `sub` (openid-client has checked it). */
const account = (sub: string, claims: Record<string, unknown> = {}) => ({
  iss: ISS,
  sub,
  ...claims,
});

/** An administrator links Ada (ORG_ADMIN, login `ada`) to the provider's account `sub`. */
async function linkAda(t: TestApp, sub: string): Promise<void> {
  await t.services.identities.update(SYSTEM_CONTEXT, t.admin.identity.id, {
    ssoLink: { issuer: ISS, subject: sub },
  });
}

function signInFor(
  t: TestApp,
  sso: Partial<ConstructorParameters<typeof SignIn>[0]['sso']> = {},
): ConsoleSignIn {
  const { services } = t;
  return new SignIn({
    grant: services.grant,
    identities: services.identities,
    storage: services.storage,
    sessions: services.console.sessions,
    clock: services.clock,
    sso: { ...services.config.sso, ...sso },
  });
}

function session(result: SignedIn | { refusal: string }) {
  expect('refusal' in result ? result.refusal : 'signed in').toBe('signed in');
  const signedIn = result as SignedIn;
  return { cookie: signedIn.cookie, csrf: signedIn.session.csrfToken, body: {} };
}

describe('an SSO sign-in', () => {
  it('creates a USER identity for a new person, whose session calls the API with short tokens', async () => {
    const t = await startConsoleApp();
    const result = await signInFor(t).withSso(
      account('s1', { email: 'grace@example.com', email_verified: true, name: 'Grace Hopper' }),
      CONTEXT,
    );
    const s = session(result);
    const identity = await t.storage.repos.identities.findByLogin('grace@example.com');
    expect(identity).toMatchObject({
      name: 'Grace Hopper',
      roles: ['USER'],
      email: 'grace@example.com',
      ssoLink: { issuer: `${ISS}/`, subject: 's1' },
    });
    const created = await viaConsole(t, s, {
      method: 'POST',
      url: '/v3/personal-access-tokens',
      payload: { name: 'laptop', scope: ['sp:my-personal-access-tokens:read'] },
    });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json<{ owner: { id: string } }>().owner.id).toBe(identity!.id);
    // USER holds no all-read right: the session cannot list other people's PATs.
    const all = await viaConsole(t, s, { url: '/v3/personal-access-tokens' });
    expect(all.statusCode).toBe(403);
  });

  it('lets in only linked identities when autoProvision is off', async () => {
    const t = await startConsoleApp();
    const signIn = signInFor(t, { autoProvision: false });
    const ada = account('s', { email: 'new@example.com', preferred_username: 'ada' });
    // Ada exists (login ada), but no link names her: the user name is not a key.
    expect(await signIn.withSso(ada, CONTEXT)).toEqual({ refusal: 'NOT_PROVISIONED' });
    expect(await t.storage.repos.identities.findByLogin('new@example.com')).toBeUndefined();
    await linkAda(t, 's');
    const s = session(await signIn.withSso(ada, CONTEXT));
    const found = await t.services.console.sessions.resolve(s.cookie);
    expect(found.session?.identity.id).toBe(t.admin.identity.id);
  });

  it('refuses a disabled identity', async () => {
    const t = await startConsoleApp();
    await linkAda(t, 's');
    await t.services.identities.update(SYSTEM_CONTEXT, t.admin.identity.id, { status: 'DISABLED' });
    expect(await signInFor(t).withSso(account('s'), CONTEXT)).toEqual({
      refusal: 'DISABLED',
    });
  });

  it('sets the roles from the groups on every sign-in when groupRoles is set', async () => {
    const t = await startConsoleApp();
    const signIn = signInFor(t, { groupRoles: { admins: ['ORG_ADMIN'] } });
    const claims = account('s', {
      email: 'lin@example.com',
      email_verified: true,
      groups: ['admins'],
    });
    session(await signIn.withSso(claims, CONTEXT));
    expect((await t.storage.repos.identities.findByLogin('lin@example.com'))?.roles).toEqual([
      'ORG_ADMIN',
      'USER',
    ]);
    session(await signIn.withSso({ ...claims, groups: [] }, CONTEXT));
    expect((await t.storage.repos.identities.findByLogin('lin@example.com'))?.roles).toEqual([
      'USER',
    ]);
  });

  it('ends for every token it minted when the session is signed out', async () => {
    const t = await startConsoleApp();
    await linkAda(t, 's');
    const s = session(await signInFor(t).withSso(account('s'), CONTEXT));
    expect((await viaConsole(t, s, { url: '/v3/personal-access-tokens' })).statusCode).toBe(200);
    const found = await t.services.console.sessions.resolve(s.cookie);
    const token = await t.services.console.sessions.accessToken(found.session!);
    const direct = () =>
      t.app.inject({
        method: 'GET',
        url: '/v3/personal-access-tokens',
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await direct()).statusCode).toBe(200);
    await t.services.console.sessions.end(found.session!, 'SIGNED_OUT');
    const refused = await direct();
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({
      error: 'JWT validation failed: the personal access token behind this JWT is no longer valid',
    });
  });
});

describe('a first SSO sign-in', () => {
  /** The identity a sign-in's session is for. */
  async function signedInAs(t: TestApp, result: SignedIn | { refusal: string }) {
    const found = await t.services.console.sessions.resolve(session(result).cookie);
    return (await t.storage.repos.identities.findById(found.session!.identity.id))!;
  }

  it('takes the first free variant of a login another identity holds, whatever its case', async () => {
    const t = await startConsoleApp();
    await t.user({ name: 'Ada 2', login: 'ada-2' });
    const signIn = signInFor(t);
    const made = [];
    for (const [sub, wanted] of [
      ['s1', 'ada'],
      ['s2', 'ADA'],
      ['s3', 'ada'],
    ] as const) {
      made.push(
        await signedInAs(
          t,
          await signIn.withSso(account(sub, { preferred_username: wanted }), CONTEXT),
        ),
      );
    }
    expect(made.map((i) => i.login)).toEqual(['ada-3', 'ADA-4', 'ada-5']);
    expect(made.map((i) => i.ssoLink?.subject)).toEqual(['s1', 's2', 's3']);
    // Past -9, a random suffix.
    for (let n = 6; n <= 9; n++) await t.user({ name: `Ada ${n}`, login: `ada-${n}` });
    const last = await signedInAs(
      t,
      await signIn.withSso(account('s4', { preferred_username: 'ada' }), CONTEXT),
    );
    expect(last.login).toMatch(/^ada-[0-9a-f]{8}$/);
    expect(
      (await t.storage.repos.identities.findById(t.admin.identity.id))?.ssoLink,
    ).toBeUndefined();
  });

  it('makes one identity when the same account signs in twice at once', async () => {
    const t = await startConsoleApp();
    const signIn = signInFor(t);
    const claims = account('s', { preferred_username: 'grace' });
    const before = await t.storage.repos.identities.count();
    const [a, b] = await Promise.all([
      signIn.withSso(claims, CONTEXT),
      signIn.withSso(claims, CONTEXT),
    ]);
    expect((await signedInAs(t, a)).id).toBe((await signedInAs(t, b)).id);
    expect(await t.storage.repos.identities.count()).toBe(before + 1);
  });

  it('leaves out a verified address Patina cannot mail to, instead of refusing', async () => {
    const t = await startConsoleApp();
    const made = await signedInAs(
      t,
      await signInFor(t).withSso(
        // A login Patina can hold, but no address it mails to (a dotted domain is needed).
        account('s', { email: 'lin@localhost', email_verified: true }),
        CONTEXT,
      ),
    );
    expect(made).toMatchObject({ login: 'lin@localhost', ssoLink: { subject: 's' } });
    expect(made.email).toBeUndefined();
  });

  it('refuses to choose between two identities with the verified address', async () => {
    const t = await startConsoleApp();
    for (const login of ['lin', 'lin.work']) {
      await t.services.identities.create(SYSTEM_CONTEXT, {
        name: 'Lin',
        login,
        email: 'lin@example.com',
      });
    }
    const before = await t.snapshot();
    expect(
      await signInFor(t, { linkExistingByVerifiedEmail: true }).withSso(
        account('s', { email: 'lin@example.com', email_verified: true }),
        CONTEXT,
      ),
    ).toEqual({ refusal: 'AMBIGUOUS_EMAIL' });
    expect(await t.snapshot()).toEqual(before);
  });
});
