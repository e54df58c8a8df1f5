import { CONSOLE_CSRF_HEADER } from '@patina/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SAFE_METHODS, crossSiteRefusal, csrfTokenMatches } from '../../console/csrf.js';
import type { ConsoleSessions } from '../../console/sessions.js';
import type { ConsoleSessionRecord } from '../../storage/console-sessions-repository.js';
import { crossSite, crossSiteRequest, csrfTokenMissing, noSession } from './refusals.js';
import { SESSION_COOKIE, clearSessionCookie } from './security.js';

/** Answers with the session of a request, or throws the ConsoleRefusal that says why not. */
export type SessionGuard = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<ConsoleSessionRecord>;

/** The origin browsers send in `Origin` for this console. */
export function consoleOrigin(baseUrl: string): string {
  return new URL(baseUrl).origin;
}

/** A request that must come from the console's own page, though it has no session yet. */
export function requireSameOrigin(request: FastifyRequest, baseUrl: string): void {
  const why = crossSiteRefusal(
    { origin: request.headers.origin, secFetchSite: request.headers['sec-fetch-site'] },
    consoleOrigin(baseUrl),
  );
  if (why !== null) throw crossSite(why);
}

/**
 * The session of a request. A state-changing request must also come from this console's own pages
 * (Fetch Metadata, Origin) and carry the session's CSRF token.
 */
export function sessionGuard(deps: { baseUrl: string; sessions: ConsoleSessions }): SessionGuard {
  return async (request, reply) => {
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') throw crossSiteRequest();
    const unsafe = !SAFE_METHODS.has(request.method);
    if (unsafe) requireSameOrigin(request, deps.baseUrl);
    const resolved = await deps.sessions.resolve(request.cookies[SESSION_COOKIE]);
    if (!resolved.session) {
      clearSessionCookie(reply, deps.baseUrl);
      throw noSession(resolved.refusal);
    }
    if (unsafe) {
      const given = request.headers[CONSOLE_CSRF_HEADER];
      if (
        !csrfTokenMatches(typeof given === 'string' ? given : undefined, resolved.session.csrfToken)
      ) {
        throw csrfTokenMissing();
      }
    }
    return resolved.session;
  };
}
