import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestSpan, Tracing } from '../tracing/tracing.js';

/**
 * A span per request (docs/operations.md, "Traces"), installed only when tracing is on: with it
 * off, app.ts adds none of these hooks and a request pays nothing for tracing.
 *
 * The span starts at the first hook, in the caller's trace when the request has a valid W3C
 * `traceparent`, and ends with the response, named after the route template (`GET
 * /v3/personal-access-tokens/:id`) with the method and the status; never the path, the query
 * string or a header. The request's log lines carry the trace id (`traceId`).
 *
 * The span is made current for the hooks that follow (the bearer check) and again before the
 * handler: reading the body continues on the socket's events, outside the first hook's context.
 */
export function traceRequests(app: FastifyInstance, tracing: Tracing): void {
  const spans = new WeakMap<FastifyRequest, RequestSpan>();
  app.addHook('onRequest', function startRequestSpan(request, reply, done) {
    const span = tracing.startRequest(request.method, {
      traceparent: single(request.headers.traceparent),
      tracestate: single(request.headers.tracestate),
    });
    spans.set(request, span);
    request.log = request.log.child({ traceId: span.traceId });
    reply.log = request.log;
    span.enter(done);
  });
  app.addHook('preHandler', function reenterRequestSpan(request, _reply, done) {
    const span = spans.get(request);
    if (span) span.enter(done);
    else done();
  });
  app.addHook('onResponse', function endRequestSpan(request, reply, done) {
    spans.get(request)?.end({ route: request.routeOptions.url, statusCode: reply.statusCode });
    done();
  });
}

/** A header's value when it was sent once; a repeated header is no trace context. */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
