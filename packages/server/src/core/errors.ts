import { isIdShaped, type ErrorCode } from '@patina/contract';

/**
 * Domain errors with stable codes (the codes and their wire form are in @patina/contract).
 * Services throw these; the HTTP layer renders each code as its status and body. Messages say
 * what was wrong and with which field, and never carry a secret, a token or a digest.
 */
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
