import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SignedIn } from '../../console/sign-in.js';

/** The cookie that carries the console's session. */
export const SESSION_COOKIE = 'patina_console';

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

/** The console's headers, on every response under /ui/; nothing but its hashed assets is cached. */
export function installConsoleHeaders(ui: FastifyInstance): void {
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
}

/**
 * Every cookie of the console: out of reach of scripts, sent on top-level navigation from other
 * sites (the SSO callback is one) but not on their subrequests, and only over https when the
 * console is served over https.
 */
export function cookieOptions(baseUrl: string, path: string, expires?: Date) {
  return {
    path,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: baseUrl.startsWith('https:'),
    ...(expires && { expires }),
  };
}

/** The session cookie of a sign-in, which lasts as long as the session may. */
export function setSessionCookie(reply: FastifyReply, baseUrl: string, signedIn: SignedIn) {
  return reply.setCookie(
    SESSION_COOKIE,
    signedIn.cookie,
    cookieOptions(baseUrl, '/ui', new Date(signedIn.session.expiresAt)),
  );
}

export function clearSessionCookie(reply: FastifyReply, baseUrl: string) {
  return reply.clearCookie(SESSION_COOKIE, cookieOptions(baseUrl, '/ui'));
}
