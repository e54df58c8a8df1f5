import type { FastifyInstance } from 'fastify';

/** One year, as HSTS preload lists and most deployments use (RFC 6797 §6.1.1). */
const HSTS_MAX_AGE_SECONDS = 31_536_000;

/**
 * Headers every response carries, errors and 404s included (an onSend hook on the root
 * instance runs for every route and for the not-found handler):
 * - `X-Content-Type-Options: nosniff`: a JSON body is never run as a script or a page.
 * - `Referrer-Policy: no-referrer`: a URL of Patina's (a query string may hold anything a caller
 *   pasted) never leaves in a Referer header.
 * - `Cache-Control: no-store` unless the route set its own: API answers are one caller's data, and
 *   a create response holds a secret shown once (RFC 9111 §5.2.2.5). Public documents that may be
 *   cached (the JWKS, the metadata) say so themselves.
 * - `Strict-Transport-Security` when Patina is reached over https (RFC 6797): browsers and
 *   clients that honour it never fall back to plain http, where a bearer token would travel in
 *   clear.
 */
export function installSecurityHeaders(app: FastifyInstance, publicBaseUrl: string): void {
  const https = new URL(publicBaseUrl).protocol === 'https:';
  // A callback hook, not an async one: no promise and no microtask per response, and the answer
  // is written in the same turn as the handler's send.
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    // @fastify/static sets its caching on the raw response (the console's assets).
    if (!reply.hasHeader('cache-control') && !reply.raw.hasHeader('cache-control')) {
      void reply.header('cache-control', 'no-store');
    }
    if (https) void reply.header('strict-transport-security', `max-age=${HSTS_MAX_AGE_SECONDS}`);
    done(null, payload);
  });
}
