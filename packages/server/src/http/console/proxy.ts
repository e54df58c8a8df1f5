import { ADMIN_BASE, PAT_SURFACES } from '@patina/contract';
import type { FastifyInstance } from 'fastify';
import type { ConsoleSessions } from '../../console/sessions.js';
import { clientAddress } from '../client-address.js';
import { consoleNotFound } from './refusals.js';
import type { SessionGuard } from './session-guard.js';

/** Only Patina's API is reachable through the console: the PAT surfaces and the admin API. */
const FORWARDED = [...PAT_SURFACES.map((surface) => surface.path), ADMIN_BASE];

function forwarded(pathname: string): boolean {
  return FORWARDED.some((base) => pathname === base || pathname.startsWith(`${base}/`));
}
/** What the browser may tell the API about its request; never an Authorization of its own. */
const REQUEST_HEADERS = ['accept', 'content-type', 'user-agent'] as const;
/** What the console needs of the API's answer. */
const RESPONSE_HEADERS = ['content-type', 'x-total-count', 'retry-after'] as const;

/**
 * /ui/api/<path>: the console's way to Patina's API. The browser sends its session cookie (and,
 * to change anything, the session's CSRF token); this adds the session's access token, which
 * never reaches the browser, and hands the request to the same app in-process, so it meets
 * exactly the routes, validation, rights and rate limits any other client meets.
 */
export async function registerConsoleProxy(
  ui: FastifyInstance,
  deps: {
    app: FastifyInstance;
    sessions: ConsoleSessions;
    session: SessionGuard;
  },
): Promise<void> {
  await ui.register((proxy, _options, done) => {
    // Bodies go to the API as they came: it parses and validates them itself.
    proxy.removeAllContentTypeParsers();
    proxy.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
      done(null, body);
    });
    proxy.all('/api/*', { schema: { hide: true } }, async (request, reply) => {
      const session = await deps.session(request, reply);
      const target = new URL(request.url.slice('/ui/api'.length) || '/', 'http://patina.invalid');
      if (!forwarded(target.pathname)) {
        throw consoleNotFound('The console reaches only Patina’s API');
      }
      const headers: Record<string, string> = {
        authorization: `Bearer ${await deps.sessions.accessToken(session)}`,
      };
      for (const name of REQUEST_HEADERS) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const response = await deps.app.inject({
        method: request.method,
        url: target.pathname + target.search,
        headers,
        // The client's address, so the API's limits and audit see the browser, not Patina.
        remoteAddress: clientAddress(request) ?? 'unknown',
        ...(Buffer.isBuffer(request.body) && { payload: request.body }),
      });
      if (response.statusCode === 401) {
        // The credential behind the session is gone (PAT deleted or expired, identity disabled).
        await deps.sessions.end(session, 'CREDENTIAL_INVALID');
      }
      reply.code(response.statusCode);
      for (const name of RESPONSE_HEADERS) {
        const value = response.headers[name];
        if (value !== undefined) reply.header(name, value);
      }
      return reply.header('cache-control', 'no-store').send(response.rawPayload);
    });
    done();
  });
}
