import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import type { ConsoleSignIn, SignedIn } from '../../src/console/sign-in.js';
import { ConsoleSignIn as SignIn } from '../../src/console/sign-in.js';
import type { TestApp } from '../helpers.js';
import { startConsoleApp, viaConsole } from './console-app.js';

const CONTEXT = { ...SYSTEM_CONTEXT.audit, sourceIp: '127.0.0.1' };

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
      { sub: 's1', email: 'grace@example.com', email_verified: true, name: 'Grace Hopper' },
      CONTEXT,
    );
    const s = session(result);
    const identity = await t.storage.repos.identities.findByLogin('grace@example.com');
    expect(identity).toMatchObject({
      name: 'Grace Hopper',
      roles: ['USER'],
      email: 'grace@example.com',
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

  it('lets in only existing identities when autoProvision is off', async () => {
    const t = await startConsoleApp();
    const signIn = signInFor(t, { autoProvision: false });
    expect(await signIn.withSso({ sub: 's', email: 'new@example.com' }, CONTEXT)).toEqual({
      refusal: 'NOT_PROVISIONED',
    });
    expect(await t.storage.repos.identities.findByLogin('new@example.com')).toBeUndefined();
    // Ada exists (login ada): preferred_username finds her.
    session(await signIn.withSso({ sub: 's', preferred_username: 'ada' }, CONTEXT));
  });

  it('refuses a disabled identity', async () => {
    const t = await startConsoleApp();
    await t.services.identities.update(SYSTEM_CONTEXT, t.admin.identity.id, { status: 'DISABLED' });
    expect(await signInFor(t).withSso({ sub: 's', preferred_username: 'ada' }, CONTEXT)).toEqual({
      refusal: 'DISABLED',
    });
  });

  it('sets the roles from the groups on every sign-in when groupRoles is set', async () => {
    const t = await startConsoleApp();
    const signIn = signInFor(t, { groupRoles: { admins: ['ORG_ADMIN'] } });
    const claims = { sub: 's', email: 'lin@example.com', groups: ['admins'] };
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
    const s = session(await signInFor(t).withSso({ sub: 's', preferred_username: 'ada' }, CONTEXT));
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
