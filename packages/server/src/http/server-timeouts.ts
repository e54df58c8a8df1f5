import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config/schema.js';

/**
 * Node's HTTP server waits for a request forever by default: a client sending a body a byte at a
 * time holds a connection (and its memory) as long as it likes. These bound it:
 * - `requestTimeout`: the whole request, headers and body, must arrive within it (then 408);
 * - `connectionTimeout`: a socket silent this long is closed, whatever it was doing;
 * - `keepAliveTimeout`: an idle keep-alive connection is closed after it.
 * Node checks open requests against requestTimeout on an interval of its own (30 s by default),
 * so the interval is kept to a fraction of the timeout for it to hold to within a quarter.
 */
export function serverTimeouts(http: Config['http']): Pick<
  FastifyServerOptions,
  'requestTimeout' | 'connectionTimeout' | 'keepAliveTimeout'
> & {
  http: { connectionsCheckingInterval: number; headersTimeout: number };
} {
  return {
    requestTimeout: http.requestTimeoutMs,
    connectionTimeout: http.connectionTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    http: {
      connectionsCheckingInterval: Math.max(25, Math.floor(http.requestTimeoutMs / 4)),
      // Node refuses a headers timeout longer than the request timeout.
      headersTimeout: http.requestTimeoutMs,
    },
  };
}
