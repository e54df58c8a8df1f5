import { pino, stdSerializers, type Logger } from 'pino';

/**
 * Errors are logged with their type, code, message and stack only. pino's default serialiser
 * copies every enumerable field, and driver errors carry extra ones (a pg error's `detail` and
 * `where` may quote row values; an ioredis error its command's arguments), which could hold a
 * digest or a key name.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { type, message, stack } = stdSerializers.err(error);
  const code = (error as { code?: unknown }).code;
  return { type, message, stack, ...(typeof code === 'string' && { code }) };
}

/** The service's logger: JSON lines on stdout. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'patina' }, serializers: { err: safeError } });
}
