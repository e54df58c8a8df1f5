import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * Patina's error codes. Each is one kind of failure with one HTTP status; on the PAT and admin
 * APIs each also has SailPoint's detail code (its ErrorResponseDto `detailCode`).
 */
export const ERROR_CODES = [
  'BAD_REQUEST', // malformed body, unknown field, bad filter
  'REQUIRED_MISSING', // a required value is absent or empty
  'ILLEGAL_VALUE', // wrong type, out of range, bad date
  'LIMIT_VIOLATION', // too many PATs for one owner
  'REFERENCE_CONFLICT', // duplicate name or login
  'UNAUTHORIZED', // no or bad bearer token
  'FORBIDDEN', // the caller lacks a right
  'APPROVAL_REQUIRED', // a sensitive scope needs an approver's yes first (approval.rules)
  'NOT_FOUND',
  'STATE_CONFLICT', // the resource moved on (a request or review item already decided)
  'PAYLOAD_TOO_LARGE', // the body is over the configured limit
  'UNSUPPORTED_MEDIA_TYPE', // a Content-Type the route does not read
  'RATE_LIMITED',
  'UNAVAILABLE', // a dependency (the database) is down
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Status and SailPoint detail code of every error code (401 and 429 have bodies of their own). */
export const ERROR_WIRE: Record<ErrorCode, { status: number; detailCode: string }> = {
  BAD_REQUEST: { status: 400, detailCode: '400.1 Bad Request Content' },
  REQUIRED_MISSING: { status: 400, detailCode: '400.1.0 Required Data Missing Or Empty' },
  ILLEGAL_VALUE: { status: 400, detailCode: '400.1.3 Illegal value' },
  LIMIT_VIOLATION: { status: 400, detailCode: '400.1.4 Limit violation' },
  REFERENCE_CONFLICT: { status: 400, detailCode: '400.1.409 Reference conflict' },
  UNAUTHORIZED: { status: 401, detailCode: '401 Unauthorized' },
  FORBIDDEN: { status: 403, detailCode: '403 Forbidden' },
  APPROVAL_REQUIRED: { status: 403, detailCode: '403.1 Approval required' },
  NOT_FOUND: { status: 404, detailCode: '404 Not found' },
  STATE_CONFLICT: { status: 409, detailCode: '409 Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, detailCode: '413 Payload Too Large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, detailCode: '415 Unsupported Media Type' },
  RATE_LIMITED: { status: 429, detailCode: '429 Too Many Requests' },
  UNAVAILABLE: { status: 503, detailCode: '503 Service Unavailable' },
  INTERNAL: { status: 500, detailCode: '500.0 Internal Fault' },
};

/** SailPoint's ErrorResponseDto: the body of every 4xx/5xx of the PAT and admin APIs but 401/429. */
export const SailPointError = Type.Object(
  {
    detailCode: Type.String({
      description: "SailPoint's detail code, e.g. '400.1.3 Illegal value'",
    }),
    trackingId: Type.String({ description: 'The request id in the server log line' }),
    messages: Type.Array(
      Type.Object({
        locale: Type.String(),
        localeOrigin: Type.String(),
        text: Type.String({ description: 'What was wrong, naming the field' }),
      }),
    ),
    causes: Type.Array(Type.Unknown()),
  },
  { $id: 'ErrorResponse', description: 'SailPoint error body' },
);
export type SailPointErrorBody = Static<typeof SailPointError>;

/** The 401 body of the APIs (as SailPoint answers), beside `WWW-Authenticate: Bearer …`. */
export const UnauthorizedError = Type.Object(
  { error: Type.String({ description: 'e.g. "JWT validation failed: JWT is expired"' }) },
  { $id: 'UnauthorizedError' },
);
export type UnauthorizedErrorBody = Static<typeof UnauthorizedError>;

/** The 429 body of the rate limit, beside `Retry-After`. */
export const RateLimitError = Type.Object(
  { message: Type.Literal('Rate Limit Exceeded') },
  { $id: 'RateLimitError' },
);
export type RateLimitErrorBody = Static<typeof RateLimitError>;

/** RFC 6749 §5.2 error codes Patina answers, plus `server_error`; each has one HTTP status. */
export const OAUTH_ERROR_STATUS = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  // RFC 8707 §2: a `resource` the server does not serve.
  invalid_target: 400,
  // Not in RFC 6749: a client locked out after repeated failures (docs/decisions.md).
  too_many_attempts: 429,
  // RFC 9449 §5, §8: a bad DPoP proof; a proof without the nonce the server wants.
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
  server_error: 500,
  // RFC 6749 §4.1.2.1 names it for the authorization endpoint; here: the database is down.
  temporarily_unavailable: 503,
} as const;
export type OAuthErrorCode = keyof typeof OAUTH_ERROR_STATUS;

/** RFC 6749 §5.2 error body of the OAuth endpoints. */
export const OAuthErrorBody = Type.Object(
  {
    error: Type.Unsafe<OAuthErrorCode>({
      type: 'string',
      enum: Object.keys(OAUTH_ERROR_STATUS),
    }),
    error_description: Type.String(),
  },
  { $id: 'OAuthError', description: 'RFC 6749 §5.2 error response' },
);
export type OAuthErrorResponse = Static<typeof OAuthErrorBody>;

/** RFC 9110 §10.2.3 `Retry-After`: whole seconds. */
const RETRY_AFTER = {
  'retry-after': Type.Integer({ minimum: 0, description: 'Seconds until a retry may succeed' }),
};

/**
 * A documented answer: the body schema by its `$id`, what the status means here, and the headers
 * that come with it. `headers` is read by the OpenAPI generator only.
 */
const answer = (id: string, description: string, headers?: Record<string, TSchema>) =>
  Type.Ref(id, { description, ...(headers && { headers }) });

/**
 * What every bearer-authenticated API operation may answer, whatever else it does: the bearer
 * check's 401 (RFC 6750 §3.1), the 403 of a missing right (RFC 6750 §3.1 `insufficient_scope`),
 * the rate limit's 429, a fault's 500 and an outage's 503.
 */
export const API_ERROR_RESPONSES = {
  401: answer('UnauthorizedError', 'No bearer token, or one that is expired or invalid', {
    'www-authenticate': Type.String({
      description: 'RFC 6750 §3: Bearer realm="patina", with error="invalid_token" for a bad token',
    }),
  }),
  403: answer('ErrorResponse', 'The caller lacks the right the message names', {
    'www-authenticate': Type.String({
      description: 'RFC 6750 §3.1: Bearer error="insufficient_scope" and the scope that would do',
    }),
  }),
  429: answer('RateLimitError', 'Rate limit exceeded; retry after Retry-After', RETRY_AFTER),
  500: answer('ErrorResponse', 'Internal fault; quote the trackingId when reporting it'),
  503: answer(
    'ErrorResponse',
    'The database cannot be reached; retry after Retry-After',
    RETRY_AFTER,
  ),
};

/** The answer of an operation that validates its query string, path or body. */
export const BAD_REQUEST_RESPONSE = {
  400: answer('ErrorResponse', 'Bad request: the message names the field'),
};

/**
 * The answers of every operation whose method carries a body (POST, PATCH and DELETE are read,
 * whether or not the operation wants one): a body that cannot be read, one over the size limit,
 * and a Content-Type the operation does not read.
 */
export const BODY_ERROR_RESPONSES = {
  ...BAD_REQUEST_RESPONSE,
  413: answer('ErrorResponse', 'The body is larger than the server accepts'),
  415: answer('ErrorResponse', 'The Content-Type is not one this operation reads'),
};

/** The answer of an operation on one resource named by the id in its path. */
export const NOT_FOUND_RESPONSE = { 404: answer('ErrorResponse', 'No resource with this id') };

/**
 * The error answers every OAuth endpoint may give. A body the endpoint cannot read (not a form,
 * too large, malformed) is `invalid_request`, so a 400 like any other bad request.
 */
export const OAUTH_ERROR_RESPONSES = {
  400: answer(
    'OAuthError',
    'invalid_request (also for an unreadable or non-form body), unsupported_grant_type, invalid_scope, invalid_target or unauthorized_client',
  ),
  413: answer(
    'OAuthError',
    'invalid_request: the body (form or multipart) is over 16 KiB; nothing of it was used',
  ),
  401: answer('OAuthError', 'invalid_client: one answer for every kind of bad credentials', {
    'www-authenticate': Type.String({ description: 'RFC 6749 §5.2: Basic realm="patina"' }),
  }),
  429: Type.Union([Type.Ref('RateLimitError'), Type.Ref('OAuthError')], {
    description: 'Rate Limit Exceeded, or too_many_attempts after repeated failures',
    headers: RETRY_AFTER,
  }),
  500: answer('OAuthError', 'server_error: a fault, logged by the server'),
  503: answer(
    'OAuthError',
    'temporarily_unavailable: the database cannot be reached; retry after Retry-After',
    RETRY_AFTER,
  ),
};
