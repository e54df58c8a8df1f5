import { readFileSync } from 'node:fs';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ExportResultCode,
  W3CTraceContextPropagator,
  type ExportResult,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { safeError } from '../core/log.js';
import {
  SPAN_NAMES,
  type RequestSpan,
  type SpanAttributes,
  type SpanName,
  type Tracing,
} from './tracing.js';

/**
 * The OpenTelemetry SDK behind the Tracing interface. Loaded only by `startTracing` when
 * `tracing.enabled` is true (a dynamic import): with tracing off not one of these modules is.
 *
 * Nothing is registered globally (no global tracer provider, context manager or propagator):
 * the provider, the context manager and the propagator belong to this object, so several apps in
 * one process (the tests) do not see each other's spans, and a library that speaks to the global
 * OpenTelemetry API gets its no-op. The exporter, the sampler and the batch are configured by the
 * standard `OTEL_*` variables, read by the SDK itself (docs/operations.md, "Traces").
 */
export class OpenTelemetryTracing implements Tracing {
  readonly enabled = true;
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;
  readonly #contexts = new AsyncLocalStorageContextManager();
  readonly #propagator = new W3CTraceContextPropagator();

  /**
   * `spanProcessor`: tests hand in an in-memory exporter's; OTLP over HTTP otherwise, its
   * failures told to `logger`.
   */
  constructor(options: { spanProcessor?: SpanProcessor; logger?: Pick<Logger, 'warn'> } = {}) {
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over these defaults.
    const resource = resourceFromAttributes({
      'service.name': 'patina',
      'service.version': serverVersion(),
    }).merge(detectResources({ detectors: [envDetector] }));
    this.#provider = new BasicTracerProvider({
      resource,
      spanProcessors: [
        options.spanProcessor ??
          new BatchSpanProcessor(new ReportingExporter(new OTLPTraceExporter(), options.logger)),
      ],
    });
    this.#tracer = this.#provider.getTracer('patina', serverVersion());
    this.#contexts.enable();
  }

  async span<T>(
    name: SpanName,
    attributes: SpanAttributes,
    work: () => Promise<T>,
    options: { root?: boolean } = {},
  ): Promise<T> {
    const parent = options.root ? ROOT_CONTEXT : this.#contexts.active();
    // A delivery calls out to a receiver (or a mail server): a client span.
    const kind = name === SPAN_NAMES.delivery ? SpanKind.CLIENT : SpanKind.INTERNAL;
    const span = this.#tracer.startSpan(name, { kind, attributes }, parent);
    try {
      return await this.#contexts.with(trace.setSpan(parent, span), work);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  spanSync<T>(name: SpanName, attributes: SpanAttributes, work: () => T): T {
    const parent = this.#contexts.active();
    const span = this.#tracer.startSpan(name, { attributes }, parent);
    try {
      return this.#contexts.with(trace.setSpan(parent, span), work);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  annotate(attributes: SpanAttributes): void {
    trace.getSpan(this.#contexts.active())?.setAttributes(attributes);
  }

  ended(name: string, attributes: SpanAttributes, durationMs: number, error?: unknown): void {
    const parent = this.#contexts.active();
    if (!trace.getSpan(parent)) return;
    const endTime = Date.now();
    const span = this.#tracer.startSpan(
      name,
      { kind: SpanKind.CLIENT, attributes, startTime: endTime - durationMs },
      parent,
    );
    if (error !== undefined) failed(span, error);
    span.end(endTime);
  }

  outgoingHeaders(): Record<string, string> {
    const headers: Record<string, string> = {};
    this.#propagator.inject(this.#contexts.active(), headers, SETTER);
    return headers;
  }

  startRequest(
    method: string,
    headers: { traceparent?: string; tracestate?: string },
  ): RequestSpan {
    const parent = this.#propagator.extract(ROOT_CONTEXT, headers, GETTER);
    const known = KNOWN_METHODS.has(method) ? method : '_OTHER';
    const span = this.#tracer.startSpan(
      known === '_OTHER' ? 'HTTP' : known,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': known } },
      parent,
    );
    const context: Context = trace.setSpan(parent, span);
    return {
      traceId: span.spanContext().traceId,
      enter: (next) => this.#contexts.with(context, next),
      end: ({ route, statusCode }) => {
        // Semantic conventions: `{method} {route}`; the method alone when no route matched (a
        // 404), never the path, which may hold ids or what a client pasted into it.
        if (route !== undefined && known !== '_OTHER') span.updateName(`${known} ${route}`);
        span.setAttributes({
          ...(route !== undefined && { 'http.route': route }),
          'http.response.status_code': statusCode,
        } satisfies SpanAttributes);
        if (statusCode >= 500) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute('error.type', String(statusCode));
        }
        span.end();
      },
    };
  }

  /** The last spans are sent; a collector that fails them (logged already) fails no shutdown. */
  async close(): Promise<void> {
    this.#contexts.disable();
    await this.#provider.shutdown().catch(() => undefined);
  }
}

/** How often at most a failing export is logged. */
const EXPORT_WARNING_INTERVAL_MS = 60_000;

/**
 * The OTLP exporter, with its failures logged: the SDK reports them to OpenTelemetry's global
 * diagnostic logger, which is silent unless set, so a collector that is down would go unnoticed.
 * One warning a minute at most; the spans of a failed export are dropped (the batch processor
 * does not hold requests for the collector).
 */
class ReportingExporter implements SpanExporter {
  #warnedAtMs = -Infinity;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logger: Pick<Logger, 'warn'> | undefined,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.#warn(result.error, spans.length);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  #warn(error: Error | undefined, spans: number): void {
    const now = Date.now();
    if (now - this.#warnedAtMs < EXPORT_WARNING_INTERVAL_MS) return;
    this.#warnedAtMs = now;
    this.logger?.warn(
      { err: safeError(error ?? new Error('export failed')), spans },
      'trace export failed; spans dropped (OTEL_EXPORTER_OTLP_ENDPOINT)',
    );
  }
}

/** The methods Patina serves; another is `_OTHER` (semantic conventions). */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const GETTER: TextMapGetter<{ traceparent?: string; tracestate?: string }> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) =>
    key === 'traceparent'
      ? carrier.traceparent
      : key === 'tracestate'
        ? carrier.tracestate
        : undefined,
};

const SETTER: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * A failure as its type only (`error.type`): never `recordException`, whose message and stack
 * may quote what the work was given (a driver's error can name a row's values).
 */
function failed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute('error.type', errorType(error));
}

/** Short enough that no secret (64 characters) or digest fits. */
const SAFE_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** A code (`UNAVAILABLE`, `invalid_client`, `ECONNREFUSED`) or the class name; `_OTHER` if neither. */
export function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && SAFE_TYPE.test(code)) return code;
  const name = error instanceof Error ? error.name : undefined;
  return name !== undefined && SAFE_TYPE.test(name) ? name : '_OTHER';
}

let version: string | undefined;

/** The server package's version (`service.version`), read once. */
function serverVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return version;
}
