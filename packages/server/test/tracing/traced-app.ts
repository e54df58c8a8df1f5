import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../src/tracing/start.js';
import { startTestApp, type TestAppOptions } from '../helpers.js';

/**
 * `startTestApp` with tracing on: the storage and the services share one tracing, whose spans go
 * to an in-memory exporter as each ends (SimpleSpanProcessor), for the test to read. Nothing is
 * sent anywhere.
 */
export async function startTracedApp(options: Omit<TestAppOptions, 'tracing'> = {}) {
  const exporter = new InMemorySpanExporter();
  const tracing = await startTracing(
    { enabled: true },
    { spanProcessor: new SimpleSpanProcessor(exporter) },
  );
  const t = await startTestApp({
    ...options,
    config: { ...options.config, tracing: { enabled: true } },
    tracing,
  });
  /** Every span that has ended so far. */
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  return { t, spans };
}

/** A span as text: its name, attributes, events and links, for searching. */
export function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events,
    links: span.links,
    status: span.status,
  });
}
