import {
  ERROR_WIRE,
  OAUTH_ERROR_STATUS,
  type ErrorCode,
  type OAuthErrorCode,
  type OAuthErrorResponse,
  type SailPointErrorBody,
} from '@patina/contract';

/**
 * What went wrong, as a stable literal callers can switch on: Patina's error code for a SailPoint
 * body (`NOT_FOUND`, `ILLEGAL_VALUE`, …), the RFC 6749 §5.2 code for an OAuth body
 * (`invalid_client`, …), or `UNKNOWN` for an answer Patina would not give (a proxy's HTML page).
 */
export type PatinaApiErrorCode = ErrorCode | OAuthErrorCode | 'UNKNOWN';

const CODE_OF_DETAIL = new Map<string, ErrorCode>(
  (Object.entries(ERROR_WIRE) as [ErrorCode, { detailCode: string }][]).map(
    ([code, { detailCode }]) => [detailCode, code],
  ),
);

/**
 * An error answer from Patina. It carries the parts of the body (SailPoint's `detailCode`,
 * `trackingId` and `messages`, or OAuth's `error` and `error_description`) and never any part of
 * the request: no secret, token or body can reach its message.
 */
export class PatinaApiError extends Error {
  override readonly name = 'PatinaApiError';
  readonly status: number;
  readonly code: PatinaApiErrorCode;
  /** The request, as `METHOD /path` (never the query string, which may carry anything). */
  readonly request: string;
  readonly detailCode: string | undefined;
  /** The request id in the server's log line; quote it when you report a problem. */
  readonly trackingId: string | undefined;
  readonly messages: SailPointErrorBody['messages'] | undefined;
  /** RFC 6749 §5.2 `error`, or the `error` of a 401 from the APIs. */
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
  /** Seconds the server asked to wait (`Retry-After`), on 429 and 503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    status: number;
    request: string;
    body: unknown;
    retryAfterSeconds?: number | undefined;
  }) {
    const parts = readBody(init.status, init.body);
    super(describe(init.status, init.request, parts));
    this.status = init.status;
    this.request = init.request;
    this.code = parts.code;
    this.detailCode = parts.detailCode;
    this.trackingId = parts.trackingId;
    this.messages = parts.messages;
    this.error = parts.error;
    this.errorDescription = parts.errorDescription;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** True for an answer that means the credentials or the token were refused. */
  get isAuthenticationFailure(): boolean {
    return this.status === 401 || this.code === 'invalid_client';
  }
}

/** Patina could not be reached at all: no answer, so no status. */
export class PatinaConnectionError extends Error {
  override readonly name = 'PatinaConnectionError';
  readonly code = 'CONNECTION_FAILED';
  /** The base URL that was tried (a client refuses one with credentials in it). */
  readonly baseUrl: string | undefined;
  constructor(
    readonly request: string,
    options: { cause: unknown; baseUrl?: string },
  ) {
    const at = options.baseUrl === undefined ? '' : ` at ${options.baseUrl}`;
    super(`Cannot reach Patina${at} for ${request}: ${causeText(options.cause)}`, {
      cause: options.cause,
    });
    this.baseUrl = options.baseUrl;
  }
}

/** The client was built without what it needs (a base URL, credentials). */
export class PatinaConfigurationError extends Error {
  override readonly name = 'PatinaConfigurationError';
  readonly code = 'NOT_CONFIGURED';
}

interface BodyParts {
  code: PatinaApiErrorCode;
  detailCode?: string;
  trackingId?: string;
  messages?: SailPointErrorBody['messages'];
  error?: string;
  errorDescription?: string;
}

function readBody(status: number, body: unknown): BodyParts {
  if (isSailPointBody(body)) {
    return {
      code: CODE_OF_DETAIL.get(body.detailCode) ?? 'UNKNOWN',
      detailCode: body.detailCode,
      trackingId: body.trackingId,
      messages: body.messages,
    };
  }
  if (isOAuthBody(body)) {
    return { code: body.error, error: body.error, errorDescription: body.error_description };
  }
  if (isObject(body) && typeof body.error === 'string') {
    // The APIs' 401: `{ "error": "JWT validation failed: JWT is expired" }`.
    return { code: status === 401 ? 'UNAUTHORIZED' : 'UNKNOWN', error: body.error };
  }
  if (status === 429) return { code: 'RATE_LIMITED' };
  if (status === 503) return { code: 'UNAVAILABLE' };
  return { code: 'UNKNOWN' };
}

function describe(status: number, request: string, parts: BodyParts): string {
  const text = parts.messages?.map((m) => m.text).join('; ');
  const what =
    parts.detailCode !== undefined
      ? `${parts.detailCode}${text ? `: ${text}` : ''}`
      : parts.error !== undefined
        ? `${parts.error}${parts.errorDescription ? `: ${parts.errorDescription}` : ''}`
        : status === 429
          ? 'Rate Limit Exceeded'
          : `HTTP ${status}`;
  const tracking = parts.trackingId ? ` (trackingId ${parts.trackingId})` : '';
  return `${request} failed with ${status} ${what}${tracking}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isSailPointBody(body: unknown): body is SailPointErrorBody {
  return (
    isObject(body) &&
    typeof body.detailCode === 'string' &&
    typeof body.trackingId === 'string' &&
    Array.isArray(body.messages)
  );
}

function isOAuthBody(body: unknown): body is OAuthErrorResponse {
  return (
    isObject(body) &&
    typeof body.error === 'string' &&
    Object.hasOwn(OAUTH_ERROR_STATUS, body.error) &&
    typeof body.error_description === 'string'
  );
}

function causeText(cause: unknown): string {
  if (!(cause instanceof Error)) return 'the request failed';
  // Node's fetch says "fetch failed" and keeps the reason (ECONNREFUSED, …) in its own cause.
  const inner = (cause as { cause?: unknown }).cause;
  const reason = !isObject(inner)
    ? undefined
    : typeof inner.code === 'string'
      ? inner.code
      : typeof inner.message === 'string'
        ? inner.message
        : undefined;
  return reason ? `${cause.message} (${reason})` : cause.message;
}
