import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { NO_TRACING, type Tracing } from './tracing.js';

export interface StartTracingOptions {
  /** Tests: where finished spans go (an in-memory exporter's processor); OTLP over HTTP otherwise. */
  spanProcessor?: SpanProcessor;
  /** Where a failing export is told (at most once a minute). */
  logger?: Pick<Logger, 'warn'> | undefined;
}

/**
 * Tracing as `tracing.enabled` says: off (the default), NO_TRACING, and the OpenTelemetry SDK is
 * never loaded; on, the SDK, imported here and only here, and only then.
 */
export async function startTracing(
  settings: { enabled: boolean },
  options: StartTracingOptions = {},
): Promise<Tracing> {
  if (!settings.enabled) return NO_TRACING;
  const { OpenTelemetryTracing } = await import('./sdk.js');
  return new OpenTelemetryTracing(options);
}
