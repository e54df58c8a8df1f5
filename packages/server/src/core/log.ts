import { destination, pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';

/** `scheme://user:password@host` → `scheme://user:***@host`: a URL's password never reaches a log. */
export function redactUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]*@/gi, '$1:***@');
}

/**
 * Errors are logged with their type, code, message and stack only. pino's default serialiser
 * copies every enumerable field, and driver errors carry extra ones (a pg error's `detail` and
 * `where` may quote row values; an ioredis error its command's arguments), which could hold a
 * digest or a key name. A plain `{ message }` object is taken as it is.
 */
export function safeError(error: unknown): Record<string, unknown> {
  const code = codeOf(error);
  if (!(error instanceof Error)) {
    const message = (error as { message?: unknown } | null)?.message;
    return {
      message: redactUrlPasswords(typeof message === 'string' ? message : String(error)),
      ...(code && { code }),
    };
  }
  const { type, stack } = stdSerializers.err(error);
  return {
    type,
    message: redactUrlPasswords(error.message),
    stack: redactUrlPasswords(stack),
    ...(code && { code }),
  };
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * One line for a person: the message, the driver's code, and each cause's, e.g.
 * `Cannot open the database: database "x" does not exist (3D000)`.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const { message, code } = safeError(current);
    const line = `${String(message)}${typeof code === 'string' ? ` (${code})` : ''}`;
    if (!parts.some((part) => part.includes(line))) parts.push(line);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

/** How log lines are written: JSON for a collector (the default), `pretty` for a person at a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  level: string;
  format?: LogFormat;
  /** Tests: where the lines go instead of stdout. */
  destination?: DestinationStream;
}

/**
 * The service's logger: JSON lines on stdout, written asynchronously. A synchronous write was one
 * write(2) per request line on the event loop (logging was ~20 µs of the bearer-checked list,
 * ~11 µs after, docs/benchmarks.md); now lines made while a write is in flight go out together. pino flushes what is
 * left synchronously when the process exits (process.exit, a crash, the end of a drain after
 * SIGTERM); a `kill -9` can lose the lines of the last write or so, never a record of the audit
 * trail, which is in the database (docs/decisions.md, "Hot paths").
 *
 * `pretty` turns each finished JSON line into a readable one for a terminal (pino-pretty). It is
 * made from the JSON line, after the serialisers, so it carries exactly what the JSON would and
 * nothing a serialiser left out (no driver error's extra fields, no URL password). It is written
 * synchronously: a person at a terminal reads few lines, and none is lost when the process ends.
 */
export function createLogger(options: LoggerOptions): Logger {
  const { level, format = 'json' } = options;
  const settings = { level, base: { service: 'patina' }, serializers: { err: safeError } };
  if (format === 'json') {
    return pino(settings, options.destination ?? destination({ dest: 1, sync: false }));
  }
  // Loaded only here: production runs `json` and need not load the pretty printer.
  const { isColorSupported, prettyFactory } = createRequire(import.meta.url)(
    'pino-pretty',
  ) as typeof PinoPretty;
  const sink = options.destination ?? destination({ dest: 1, sync: true });
  const prettify = prettyFactory({
    colorize: options.destination === undefined && isColorSupported,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  return pino(settings, { write: (line: string) => sink.write(prettify(line)) });
}
