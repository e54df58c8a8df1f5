import type { ConsoleSession, ConsoleSignedOut, ConsoleSignInOptions } from '@patina/contract';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { scopeCatalogue } from '../../console/catalogue.js';
import type { SessionRefusal } from '../../console/sessions.js';
import type { ConsoleSessionRecord } from '../../storage/console-sessions-repository.js';
import type { ConsoleRouteDeps } from './deps.js';
import { sessionRefusalText } from './refusals.js';
import type { SessionGuard } from './session-guard.js';
import { SESSION_COOKIE, clearSessionCookie } from './security.js';

type SessionDeps = Pick<ConsoleRouteDeps, 'config' | 'baseUrl' | 'rights' | 'sessions' | 'sso'>;

/** How a person may sign in here. */
export function signInOptions(
  deps: Pick<ConsoleRouteDeps, 'config' | 'sso'>,
): ConsoleSignInOptions {
  return { sso: deps.sso ? { label: deps.config.sso.label, url: '/ui/auth/sso/start' } : null };
}

/**
 * Who is signed in, what they may do, and what the console needs to know to show it; undefined
 * when the PAT behind the session was deleted or has expired (the session is then ended and its
 * cookie cleared).
 */
export async function describeSession(
  deps: SessionDeps,
  reply: FastifyReply,
  s: ConsoleSessionRecord,
): Promise<ConsoleSession | undefined> {
  const rights = await deps.sessions.rightsOf(s);
  if (!rights) {
    await deps.sessions.end(s, 'CREDENTIAL_INVALID');
    clearSessionCookie(reply, deps.baseUrl);
    return undefined;
  }
  const { policy } = deps.config;
  return {
    signedIn: true,
    identity: { id: s.identity.id, name: s.identity.name, login: s.identity.login },
    method: s.method,
    patId: s.patId,
    rights: [...rights].sort(),
    csrfToken: s.csrfToken,
    expiresAt: s.expiresAt,
    idleTimeoutSeconds: deps.config.console.idleTimeoutMinutes * 60,
    scopes: scopeCatalogue(deps.rights.catalogue, deps.config.scopes),
    roles: ['ORG_ADMIN', 'USER', ...Object.keys(deps.config.roles)].sort(),
    policy: {
      maxLifetimeMonths: policy.maxLifetimeMonths,
      allowNeverExpiring: policy.allowNeverExpiring,
      accessTokenValiditySeconds: policy.accessTokenValiditySeconds,
      expiringSoonDays: policy.expiringSoonDays,
      // The create form caps a chosen date by the rules its scopes bind it to, as the API does.
      rules: policy.rules.map((rule) => ({
        scopes: rule.scopes,
        maxLifetimeDays: rule.maxLifetimeDays,
        allowNeverExpiring: rule.allowNeverExpiring,
      })),
    },
    baseUrl: deps.baseUrl,
    signIn: signInOptions(deps),
  };
}

/** GET /ui/auth/session, who is signed in; POST /ui/auth/sign-out. */
export function registerSessionRoutes(
  ui: FastifyInstance,
  deps: SessionDeps & { session: SessionGuard },
): void {
  /**
   * Not signed in, as GET /ui/auth/session says it: a 200 with `signedIn: false`, not a 401,
   * which the browser would log as a failed request on every visit to the sign-in page.
   */
  const signedOut = (reply: FastifyReply, refusal: SessionRefusal) => {
    const body: ConsoleSignedOut = {
      signedIn: false,
      error: refusal,
      message: sessionRefusalText(refusal),
      signIn: signInOptions(deps),
    };
    return reply.header('cache-control', 'no-store').send(body);
  };

  ui.get('/auth/session', { schema: { hide: true } }, async (request, reply) => {
    const resolved = await deps.sessions.resolve(request.cookies[SESSION_COOKIE]);
    if (!resolved.session) return signedOut(reply, resolved.refusal);
    const described = await describeSession(deps, reply, resolved.session);
    if (!described) return signedOut(reply, 'EXPIRED');
    return reply.header('cache-control', 'no-store').send(described);
  });

  ui.post('/auth/sign-out', { schema: { hide: true } }, async (request, reply) => {
    const s = await deps.session(request, reply);
    await deps.sessions.end(s, 'SIGNED_OUT');
    clearSessionCookie(reply, deps.baseUrl);
    return reply.code(204).send();
  });
}
