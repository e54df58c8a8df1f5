/**
 * What the services tell the traces (docs/operations.md, "Traces"). Like the metrics, a span says
 * what kind of work ran, how long it took and how it ended, never with what: its name and every
 * attribute value come from code (a route template, an operation, an outcome word), never a
 * secret, a token, a digest, a query's parameters, a header or a query string. The attribute names
 * are a closed list, so a new one is a change to this file and to the docs.
 *
 * This file loads nothing of OpenTelemetry: with tracing off (`tracing.enabled` false, the
 * default) the services hold NO_TRACING and the SDK is never imported (start.ts).
 */

/** The spans other than a request's (named after its route) and a query's (its operation). */
export const SPAN_NAMES = {
  clientAuthentication: 'patina.client_authentication',
  signAccessToken: 'patina.access_token.sign',
  delivery: 'patina.outbox.delivery',
} as const;
export type SpanName = (typeof SPAN_NAMES)[keyof typeof SPAN_NAMES];

/** Every attribute a span may carry; the OpenTelemetry semantic conventions' names where one fits. */
export const ATTRIBUTE_NAMES = [
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'db.system.name',
  'db.operation.name',
  'error.type',
  /** Which endpoint authenticated the client: token, introspect or revoke. */
  'patina.oauth.endpoint',
  /** `success`, the failure reason the audit trail records (`wrong_secret`, …), or `throttled`. */
  'patina.client_authentication.outcome',
  'patina.signing.algorithm',
  /** webhook, mail or ssf_push: the metrics' outbox names. */
  'patina.outbox',
  /** delivered, retry, gone, permanent, dropped (webhook, mail); next, wait, disabled (push). */
  'patina.delivery.outcome',
  'patina.delivery.attempt',
] as const;
export type AttributeName = (typeof ATTRIBUTE_NAMES)[number];
export type SpanAttributes = Partial<Record<AttributeName, string | number | boolean>>;

/** The span of one incoming request, from its first hook to its response. */
export interface RequestSpan {
  /** The trace it belongs to (the caller's, when its `traceparent` was valid): 32 hex digits. */
  readonly traceId: string;
  /** Runs `next` with this span current, so the work it leads to makes child spans. */
  enter(next: () => void): void;
  /** Names the span after the route template, records the status and ends it. */
  end(outcome: { route: string | undefined; statusCode: number }): void;
}

export interface Tracing {
  readonly enabled: boolean;
  /**
   * Runs `work` in a child span of the current one, ended when `work` settles; a span of a new
   * trace when `root` is set (an outbox delivery, which runs later and maybe on another node).
   * A failure is recorded as the error's type only: its message may quote what it was given.
   */
  span<T>(
    name: SpanName,
    attributes: SpanAttributes,
    work: () => Promise<T>,
    options?: { root?: boolean },
  ): Promise<T>;
  /** `span` for synchronous work (signing). */
  spanSync<T>(name: SpanName, attributes: SpanAttributes, work: () => T): T;
  /** Adds attributes to the current span, when there is one. */
  annotate(attributes: SpanAttributes): void;
  /**
   * A span that already ended, `durationMs` long, as a child of the current one: a database query
   * as Kysely timed it, and its error, if it failed. Left out when no span is current (the outbox's polling, say), which
   * would otherwise be a trace of one query every second.
   */
  ended(name: string, attributes: SpanAttributes, durationMs: number, error?: unknown): void;
  /** Headers carrying the current span to a receiver (W3C `traceparent`); empty when none. */
  outgoingHeaders(): Record<string, string>;
  /** Starts an incoming request's span, in the caller's trace when `traceparent` is valid. */
  startRequest(method: string, headers: { traceparent?: string; tracestate?: string }): RequestSpan;
  /** Sends what is buffered and stops; the tracing is unusable afterwards. */
  close(): Promise<void>;
}

/** Tracing off: no span is made, nothing is loaded, nothing is sent. */
export const NO_TRACING: Tracing = {
  enabled: false,
  span: (_name, _attributes, work) => work(),
  spanSync: (_name, _attributes, work) => work(),
  annotate: () => undefined,
  ended: () => undefined,
  outgoingHeaders: () => ({}),
  startRequest: () => {
    throw new Error('tracing is off (tracing.enabled is false)');
  },
  close: () => Promise.resolve(),
};
