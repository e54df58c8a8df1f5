import cookie from '@fastify/cookie';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { RightsModel } from '../identities/rights.js';
import { OAuthError } from '../oauth/errors.js';
import { scopeCatalogue } from '../console/catalogue.js';
import { CSRF_HEADER, SAFE_METHODS, crossSiteRefusal, csrfTokenMatches } from '../console/csrf.js';
import type { SealedBox } from '../core/sealed-box.js';
import type { ConsoleSessions, SessionRefusal } from '../console/sessions.js';
import type { ConsoleSignIn, SignedIn } from '../console/sign-in.js';
import type { SignInLimit } from '../console/sign-in-limit.js';
import { SsoError, type PendingSignIn, type SsoClient } from '../console/sso.js';
import type { ConsoleSessionRecord } from '../storage/console-sessions-repository.js';
import { clientAddressKey } from './client-address.js';
import { registerConsoleProxy } from './console-proxy.js';
import { registerConsoleStatic } from './console-static.js';
import { auditContext } from './request-context.js';

export interface ConsoleRouteDeps {
  config: Config;
  baseUrl: string;
  clock: Clock;
  rights: RightsModel;
  sessions: ConsoleSessions;
  signIn: ConsoleSignIn;
  /** Successful sign-ins per address (`console.signInRateLimit`). */
  signInLimit: SignInLimit;
  sealer: SealedBox;
  /** Undefined when `sso.issuer` is not set. */
  sso: SsoClient | undefined;
  /** The built console (packages/console/dist), or undefined when it has not been built. */
  distDir: string | undefined;
}

export const SESSION_COOKIE = 'patina_console';
const SSO_COOKIE = 'patina_sso';
const SSO_PENDING = 'console-sso-pending';
const SSO_PENDING_MS = 10 * 60_000;

/**
 * Every console response: a strict Content-Security-Policy (scripts and styles from this origin
 * only, no inline script, no framing), and no Referer to anyone (the SSO callback's URL carries
 * the authorization code). The console is built so that it needs nothing looser.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const refusalText: Record<SessionRefusal, string> = {
  NOT_SIGNED_IN: 'Sign in to use the console',
  EXPIRED: 'Your session has expired; sign in again',
  IDLE: 'Your session ended after a period of inactivity; sign in again',
  SIGNED_OUT: 'You have signed out',
  DISABLED: 'Your identity is disabled',
};

/** A sign-in refused by `console.signInRateLimit` (429; the SSO callback's `error` code too). */
const TOO_MANY_SIGN_INS = 'TOO_MANY_SIGN_INS';
const TOO_MANY_SIGN_INS_TEXT = 'Too many sign-ins from this address; try again later';

const PatSignInBody = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 128 }),
    clientSecret: Type.String({ minLength: 1, maxLength: 512 }),
  },
  { additionalProperties: false },
);

/**
 * The web console, served by this process: the built single-page app at /ui/, its sign-in and
 * session endpoints at /ui/auth/, and /ui/api/, through which the console calls Patina's API with
 * its session's access token (docs/decisions.md, "The console calls the API through its
 * session"). `/` sends people to the console.
 */
export async function registerConsoleRoutes(
  app: FastifyInstance,
  deps: ConsoleRouteDeps,
): Promise<void> {
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/ui/', 302));
  await app.register(
    async (ui) => {
      await ui.register(cookie);
      ui.addHook('onSend', async (request, reply) => {
        reply.header('content-security-policy', CONSOLE_CSP);
        reply.header('x-frame-options', 'DENY');
        reply.header('x-content-type-options', 'nosniff');
        reply.header('referrer-policy', 'no-referrer');
        reply.header('cross-origin-opener-policy', 'same-origin');
        if (!request.url.startsWith('/ui/assets/') && !reply.hasHeader('cache-control')) {
          reply.header('cache-control', 'no-store');
        }
      });
      registerAuthRoutes(ui, deps);
      await registerConsoleProxy(ui, { app, sessions: deps.sessions, session: sessionOf(deps) });
      await registerConsoleStatic(ui, { distDir: deps.distDir });
    },
    { prefix: '/ui' },
  );
}

/** The origin browsers send in `Origin` for this console. */
function originOf(baseUrl: string): string {
  return new URL(baseUrl).origin;
}

function cookieOptions(deps: ConsoleRouteDeps, path: string, expires?: Date) {
  return {
    path,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.baseUrl.startsWith('https:'),
    ...(expires && { expires }),
  };
}

function refuse(reply: FastifyReply, status: number, error: string, message: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error, message });
}

/**
 * The session of a request, or a 401 already sent. A state-changing request must also come from
 * this console's own pages (Fetch Metadata, Origin) and carry the session's CSRF token.
 */
function sessionOf(deps: ConsoleRouteDeps) {
  return async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<ConsoleSessionRecord | undefined> => {
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') {
      refuse(reply, 403, 'CROSS_SITE', 'Cross-site requests to the console are refused');
      return undefined;
    }
    const unsafe = !SAFE_METHODS.has(request.method);
    if (unsafe) {
      const why = crossSiteRefusal(
        { origin: request.headers.origin, secFetchSite: site },
        originOf(deps.baseUrl),
      );
      if (why !== null) {
        refuse(reply, 403, 'CROSS_SITE', `Refused: ${why}`);
        return undefined;
      }
    }
    const resolved = await deps.sessions.resolve(request.cookies[SESSION_COOKIE]);
    if (!resolved.session) {
      reply.clearCookie(SESSION_COOKIE, cookieOptions(deps, '/ui'));
      refuse(reply, 401, resolved.refusal, refusalText[resolved.refusal]);
      return undefined;
    }
    if (unsafe) {
      const given = request.headers[CSRF_HEADER];
      if (
        !csrfTokenMatches(typeof given === 'string' ? given : undefined, resolved.session.csrfToken)
      ) {
        refuse(
          reply,
          403,
          'CSRF',
          `A state-changing request needs the ${CSRF_HEADER} header of this session`,
        );
        return undefined;
      }
    }
    return resolved.session;
  };
}

function registerAuthRoutes(ui: FastifyInstance, deps: ConsoleRouteDeps): void {
  const session = sessionOf(deps);
  const signInOptions = {
    sso: deps.sso ? { label: deps.config.sso.label, url: '/ui/auth/sso/start' } : null,
  };
  const { policy } = deps.config;

  const setSessionCookie = (reply: FastifyReply, signedIn: SignedIn) =>
    reply.setCookie(
      SESSION_COOKIE,
      signedIn.cookie,
      cookieOptions(deps, '/ui', new Date(signedIn.session.expiresAt)),
    );

  /**
   * Not signed in, as GET /ui/auth/session says it: a 200 with `signedIn: false`, not a 401,
   * which the browser would log as a failed request on every visit to the sign-in page.
   */
  const signedOut = (reply: FastifyReply, refusal: SessionRefusal) =>
    reply.header('cache-control', 'no-store').send({
      signedIn: false,
      error: refusal,
      message: refusalText[refusal],
      signIn: signInOptions,
    });

  /** Who is signed in, what they may do, and what the console needs to know to show it. */
  const describe = async (
    reply: FastifyReply,
    s: ConsoleSessionRecord,
    ended: (reply: FastifyReply) => FastifyReply,
  ) => {
    const rights = await deps.sessions.rightsOf(s);
    if (!rights) {
      // The PAT behind the session was deleted or has expired.
      await deps.sessions.end(s, 'CREDENTIAL_INVALID');
      reply.clearCookie(SESSION_COOKIE, cookieOptions(deps, '/ui'));
      return ended(reply);
    }
    return reply.header('cache-control', 'no-store').send({
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
      },
      baseUrl: deps.baseUrl,
      signIn: signInOptions,
    });
  };

  ui.get('/auth/session', { schema: { hide: true } }, async (request, reply) => {
    const resolved = await deps.sessions.resolve(request.cookies[SESSION_COOKIE]);
    if (!resolved.session) return signedOut(reply, resolved.refusal);
    return describe(reply, resolved.session, (r) => signedOut(r, 'EXPIRED'));
  });

  ui.post('/auth/pat', { schema: { hide: true, body: PatSignInBody } }, async (request, reply) => {
    // No session yet, so no CSRF token: the request must come from the console's own page.
    const why = crossSiteRefusal(
      { origin: request.headers.origin, secFetchSite: request.headers['sec-fetch-site'] },
      originOf(deps.baseUrl),
    );
    if (why !== null) return refuse(reply, 403, 'CROSS_SITE', `Refused: ${why}`);
    const body = request.body as { clientId: string; clientSecret: string };
    const address = clientAddressKey(request);
    const wait = await deps.signInLimit.retryAfterSeconds(address);
    if (wait > 0) {
      reply.header('retry-after', wait);
      return refuse(reply, 429, TOO_MANY_SIGN_INS, TOO_MANY_SIGN_INS_TEXT);
    }
    let signedIn: SignedIn;
    try {
      signedIn = await deps.signIn.withPat({ ...body, context: auditContext(request) });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      if (error.retryAfterSeconds !== undefined) {
        reply.header('retry-after', error.retryAfterSeconds);
      }
      return refuse(
        reply,
        error.error === 'invalid_client' ? 401 : error.status,
        error.error,
        error.error === 'invalid_client' ? 'Wrong client id or secret' : error.description,
      );
    }
    await deps.signInLimit.recordSignIn(address);
    setSessionCookie(reply, signedIn);
    return describe(reply, signedIn.session, (r) => refuse(r, 401, 'EXPIRED', refusalText.EXPIRED));
  });

  ui.post('/auth/sign-out', { schema: { hide: true } }, async (request, reply) => {
    const s = await session(request, reply);
    if (!s) return reply;
    await deps.sessions.end(s, 'SIGNED_OUT');
    reply.clearCookie(SESSION_COOKIE, cookieOptions(deps, '/ui'));
    return reply.code(204).send();
  });

  ui.get('/auth/sso/start', { schema: { hide: true } }, async (_request, reply) => {
    if (!deps.sso) return refuse(reply, 404, 'SSO_OFF', 'Single sign-on is not configured');
    const nowMs = deps.clock.now().getTime();
    let started: { url: string; pending: PendingSignIn };
    try {
      started = await deps.sso.begin(nowMs);
    } catch (error) {
      if (!(error instanceof SsoError)) throw error;
      _request.log.warn({ err: error.cause }, 'sso: the identity provider could not be reached');
      return reply.redirect(`/ui/sign-in?error=${error.code}`, 302);
    }
    reply.setCookie(
      SSO_COOKIE,
      deps.sealer.seal(JSON.stringify(started.pending), SSO_PENDING),
      cookieOptions(deps, '/ui/auth/sso', new Date(nowMs + SSO_PENDING_MS)),
    );
    return reply.redirect(started.url, 302);
  });

  ui.get('/auth/sso/callback', { schema: { hide: true } }, async (request, reply) => {
    if (!deps.sso) return refuse(reply, 404, 'SSO_OFF', 'Single sign-on is not configured');
    reply.clearCookie(SSO_COOKIE, cookieOptions(deps, '/ui/auth/sso'));
    const fail = (code: string) => reply.redirect(`/ui/sign-in?error=${code}`, 302);
    const sealed = request.cookies[SSO_COOKIE];
    const opened = sealed && deps.sealer.tryOpen(sealed, SSO_PENDING);
    const pending = opened ? (JSON.parse(opened) as PendingSignIn) : undefined;
    const nowMs = deps.clock.now().getTime();
    // No sign-in of this browser is under way (or it is too old): a callback someone else
    // started must not sign this browser in (RFC 6749 §10.12).
    if (!pending || nowMs - pending.startedAtMs > SSO_PENDING_MS) return fail('SSO_NOT_STARTED');
    const address = clientAddressKey(request);
    if ((await deps.signInLimit.retryAfterSeconds(address)) > 0) {
      return fail(`SSO_${TOO_MANY_SIGN_INS}`);
    }
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    let claims: Record<string, unknown>;
    try {
      claims = await deps.sso.finish(query, pending);
    } catch (error) {
      if (!(error instanceof SsoError)) throw error;
      // The cause may quote the provider's answer; its message and name are enough to debug.
      const cause = error.cause instanceof Error ? error.cause : undefined;
      request.log.warn(
        { ssoError: error.code, cause: cause && `${cause.name}: ${cause.message}` },
        'sso: sign-in failed',
      );
      return fail(error.code);
    }
    const result = await deps.signIn.withSso(claims, auditContext(request));
    if ('refusal' in result) return fail(`SSO_${result.refusal}`);
    await deps.signInLimit.recordSignIn(address);
    setSessionCookie(reply, result);
    return reply.redirect('/ui/', 302);
  });
}
