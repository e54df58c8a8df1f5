import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Tracing } from '../tracing/tracing.js';
import {
  checkUrl,
  pinnedLookup,
  resolvePermitted,
  systemResolve,
  UrlRefused,
  type Resolve,
  type ResolvedAddress,
  type UrlPolicy,
} from './ssrf-guard.js';

/** What one POST to a receiver came to. */
export interface SendResult {
  /** The receiver's status; null when there was no answer. */
  statusCode: number | null;
  /** Why there was no usable answer (timeout, refused, address not allowed); null otherwise. */
  error: string | null;
  /** The raw `Retry-After` header of a 429 or 503. */
  retryAfter: string | null;
  durationMs: number;
  /** The SSRF guard refused the URL or an address it resolved to: nothing was sent. */
  refused?: boolean;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** application/json unless said (Shared Signals pushes are application/secevent+jwt). */
  contentType?: string;
  /** Ends the request early (the node is shutting down); it then comes to an error. */
  signal?: AbortSignal;
}

/** Sends one webhook request; injectable so the worker can be driven without a network. */
export interface WebhookTransport {
  send(request: WebhookRequest): Promise<SendResult>;
}

/** A receiver gets this long to answer, from the first byte sent to the last byte read. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** What is read of an answer: the status is what counts; the rest is drained, up to this much. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs over node:http(s), which follows no redirects (a 3xx is just a failed delivery), to the
 * addresses the SSRF guard checked: the connection's DNS lookup is pinned to them, so a name
 * cannot resolve to something else between the check and the connect.
 */
export class HttpWebhookTransport implements WebhookTransport {
  readonly #policy: UrlPolicy;
  readonly #resolve: Resolve;
  readonly #timeoutMs: number;
  readonly #tracing: Pick<Tracing, 'outgoingHeaders'> | undefined;

  constructor(options: {
    policy: UrlPolicy;
    resolve?: Resolve;
    timeoutMs?: number;
    /** W3C `traceparent` of the delivery's span on every POST (docs/operations.md, "Traces"). */
    tracing?: Pick<Tracing, 'outgoingHeaders'>;
  }) {
    this.#tracing = options.tracing;
    this.#policy = options.policy;
    this.#resolve = options.resolve ?? systemResolve;
    this.#timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  }

  async send(request: WebhookRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    let addresses: ResolvedAddress[];
    try {
      url = checkUrl(request.url, this.#policy);
      addresses = await resolvePermitted(url, this.#policy, this.#resolve);
    } catch (error) {
      if (!(error instanceof UrlRefused)) throw error;
      return {
        statusCode: null,
        error: error.message,
        retryAfter: null,
        durationMs: elapsed(),
        refused: true,
      };
    }
    try {
      const answer = await this.#post(url, addresses, request);
      return { ...answer, error: null, durationMs: elapsed() };
    } catch (error) {
      return { statusCode: null, error: describe(error), retryAfter: null, durationMs: elapsed() };
    }
  }

  #post(
    url: URL,
    addresses: ResolvedAddress[],
    request: WebhookRequest,
  ): Promise<{ statusCode: number; retryAfter: string | null }> {
    const pinned = pinnedLookup(addresses);
    const body = Buffer.from(request.body, 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method: 'POST',
        lookup: pinned,
        ...(request.signal && { signal: request.signal }),
        headers: {
          ...request.headers,
          ...this.#tracing?.outgoingHeaders(),
          'content-type': request.contentType ?? 'application/json',
          'content-length': String(body.length),
          'user-agent': 'Patina-Webhooks/1',
        },
      });
      const timer = setTimeout(() => req.destroy(new TimeoutError()), this.#timeoutMs);
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        fn();
      };
      req.on('error', (error) => finish(() => reject(error)));
      req.on('response', (res: IncomingMessage) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        const done = () =>
          finish(() =>
            resolve({
              statusCode: res.statusCode ?? 0,
              retryAfter: headerValue(res.headers['retry-after']),
            }),
          );
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      });
      req.end(body);
    });
  }
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/** A short, secret-free reason for a failed request. */
function describe(error: unknown): string {
  if (error instanceof TimeoutError) return `timeout: no answer within the time allowed`;
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ENOTFOUND':
      return 'host not found';
    default:
      if (typeof code === 'string' && /CERT|TLS|SSL/.test(code)) return `TLS failed: ${code}`;
      return typeof code === 'string' ? `request failed: ${code}` : 'request failed';
  }
}
