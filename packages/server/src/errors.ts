import { isIdShaped } from './ids.js';

/**
 * Domain errors with stable codes. Services throw these; the HTTP layer maps each code to a status
 * and a wire body (SailPoint's error body for the PAT and admin APIs). Messages say what was wrong
 * and with which field, and never carry a secret, a token or a digest.
 */
export const ERROR_CODES = [
  'BAD_REQUEST', // 400.1 Bad Request Content: malformed body, unknown field, bad filter
  'REQUIRED_MISSING', // 400.1.0 Required Data Missing Or Empty
  'ILLEGAL_VALUE', // 400.1.3 Illegal value: wrong type, out of range, bad date
  'LIMIT_VIOLATION', // 400.1.4 Limit violation: too many PATs for one owner
  'REFERENCE_CONFLICT', // 400.1.409 Reference conflict: duplicate name or login
  'UNAUTHORIZED', // 401: no or bad bearer token
  'FORBIDDEN', // 403: the caller lacks a right
  'NOT_FOUND', // 404
  'PAYLOAD_TOO_LARGE', // 413: the body is over bodyLimitBytes
  'UNSUPPORTED_MEDIA_TYPE', // 415: a Content-Type the route does not read
  'RATE_LIMITED', // 429
  'UNAVAILABLE', // 503: a dependency (the database) is down
  'INTERNAL', // 500.0 Internal Fault
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface PatinaErrorOptions {
  /** The request field the error is about, e.g. `expirationDate` or `query.limit`. */
  field?: string;
  cause?: unknown;
  /** Seconds after which a retry may succeed (rate limits, lockout). */
  retryAfterSeconds?: number;
  /** For FORBIDDEN: the right (scope) that would have allowed it, for RFC 6750 §3.1. */
  requiredScope?: string;
}

export class PatinaError extends Error {
  override readonly name = 'PatinaError';
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly requiredScope: string | undefined;

  constructor(code: ErrorCode, message: string, options: PatinaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.requiredScope = options.requiredScope;
  }
}

export const badRequest = (message: string, field?: string) =>
  new PatinaError('BAD_REQUEST', message, { field });
export const requiredMissing = (field: string) =>
  new PatinaError('REQUIRED_MISSING', `'${field}' is required and must not be empty`, { field });
export const illegalValue = (field: string, message: string) =>
  new PatinaError('ILLEGAL_VALUE', message, { field });
export const notFound = (message: string) => new PatinaError('NOT_FOUND', message);

/**
 * 404 for an id from the path. The id is quoted only when it has an id's shape: anything else
 * may be a secret or a token pasted into the wrong place, and is never echoed.
 */
export const notFoundById = (kind: string, id: string) =>
  notFound(
    isIdShaped(id)
      ? `${kind} '${id}' was not found`
      : `${kind} was not found: the id is not 32 lowercase hex characters`,
  );
/** The caller lacks `requiredScope`; the message names it too. */
export const forbidden = (message: string, requiredScope: string) =>
  new PatinaError('FORBIDDEN', message, { requiredScope });
export const conflict = (field: string, message: string) =>
  new PatinaError('REFERENCE_CONFLICT', message, { field });
