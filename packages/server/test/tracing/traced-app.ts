import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { onTestFinished } from 'vitest';
import { buildApp, createServices } from '../../src/app.js';
import { ManualClock } from '../../src/core/clock.js';
import type { Resolve } from '../../src/notifications/ssrf-guard.js';
import { openStorage } from '../../src/runtime.js';
import { startTracing } from '../../src/tracing/start.js';
import { testDatabaseSettings } from '../dialect.js';
import { START, TestApp, testConfig } from '../helpers.js';
import { reusedKeyPairs } from '../key-pairs.js';

/**
 * `startTestApp` with tracing on: the storage and the services share one tracing, whose spans go
 * to an in-memory exporter as each ends (SimpleSpanProcessor), for the test to read. Nothing is
 * sent anywhere.
 */
export async function startTracedApp(
  options: { config?: Record<string, unknown>; logger?: Logger; resolve?: Resolve } = {},
) {
  const exporter = new InMemorySpanExporter();
  const tracing = await startTracing(
    { enabled: true },
    { spanProcessor: new SimpleSpanProcessor(exporter) },
  );
  const config = testConfig(testDatabaseSettings(), {
    ...options.config,
    tracing: { enabled: true },
  });
  const clock = new ManualClock(START);
  const storage = await openStorage(config, { tracing });
  const services = await createServices({
    config,
    storage,
    masterKey: randomBytes(32),
    clock,
    keyPairs: reusedKeyPairs,
    tracing,
    ...(options.resolve && { resolve: options.resolve }),
  });
  const app = await buildApp(services, { logger: options.logger ?? false });
  await app.ready();
  const t = new TestApp(app, services, clock);
  onTestFinished(() => t.close());
  t.admin = await t.user({ name: 'Ada Admin', login: 'ada', roles: ['ORG_ADMIN'] });
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
