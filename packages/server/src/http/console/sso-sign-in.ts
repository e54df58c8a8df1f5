import type { FastifyInstance } from 'fastify';
import { SsoError, type PendingSignIn } from '../../console/sso.js';
import { clientAddressKey } from '../client-address.js';
import { auditContext } from '../request-context.js';
import type { ConsoleRouteDeps } from './deps.js';
import { TOO_MANY_SIGN_INS, ssoOff } from './refusals.js';
import { cookieOptions, setSessionCookie } from './security.js';

/** The sealed cookie that holds a sign-in under way between start and callback. */
const SSO_COOKIE = 'patina_sso';
const SSO_COOKIE_PATH = '/ui/auth/sso';
const SSO_PENDING = 'console-sso-pending';
const SSO_PENDING_MS = 10 * 60_000;

/**
 * Single sign-on (OpenID Connect): /ui/auth/sso/start sends the browser to the identity provider,
 * /ui/auth/sso/callback signs it in on its way back. A failure goes back to the sign-in page with
 * its code in `?error=`.
 */
export function registerSsoSignIn(
  ui: FastifyInstance,
  deps: Pick<ConsoleRouteDeps, 'baseUrl' | 'clock' | 'sealer' | 'sso' | 'signIn' | 'signInLimit'>,
): void {
  ui.get('/auth/sso/start', { schema: { hide: true } }, async (request, reply) => {
    if (!deps.sso) throw ssoOff();
    const nowMs = deps.clock.now().getTime();
    let started: { url: string; pending: PendingSignIn };
    try {
      started = await deps.sso.begin(nowMs);
    } catch (error) {
      if (!(error instanceof SsoError)) throw error;
      request.log.warn({ err: error.cause }, 'sso: the identity provider could not be reached');
      return reply.redirect(`/ui/sign-in?error=${error.code}`, 302);
    }
    reply.setCookie(
      SSO_COOKIE,
      deps.sealer.seal(JSON.stringify(started.pending), SSO_PENDING),
      cookieOptions(deps.baseUrl, SSO_COOKIE_PATH, new Date(nowMs + SSO_PENDING_MS)),
    );
    return reply.redirect(started.url, 302);
  });

  ui.get('/auth/sso/callback', { schema: { hide: true } }, async (request, reply) => {
    if (!deps.sso) throw ssoOff();
    reply.clearCookie(SSO_COOKIE, cookieOptions(deps.baseUrl, SSO_COOKIE_PATH));
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
    setSessionCookie(reply, deps.baseUrl, result);
    return reply.redirect('/ui/', 302);
  });
}
