import { Type, type Static } from '@sinclair/typebox';

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
  'NOT_FOUND',
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
  NOT_FOUND: { status: 404, detailCode: '404 Not found' },
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

const ref = (id: string, description: string) => Type.Ref(id, { description });

/** The error answers an API route (bearer-authenticated, SailPoint bodies) may give. */
export const API_ERROR_RESPONSES = {
  400: ref('ErrorResponse', 'Bad request: the message names the field'),
  401: ref('UnauthorizedError', 'No, expired or invalid bearer token'),
  403: ref('ErrorResponse', 'The caller lacks the right the message names'),
  429: ref('RateLimitError', 'Rate limit exceeded; see Retry-After'),
  500: ref('ErrorResponse', 'Internal fault; quote the trackingId'),
  503: ref('ErrorResponse', 'The database cannot be reached; retry after Retry-After'),
};
/** The further answers of routes with a body, and of routes with an id in the path. */
export const BODY_ERROR_RESPONSES = {
  413: ref('ErrorResponse', 'The body is larger than the server accepts'),
  415: ref('ErrorResponse', 'The Content-Type is not one this route reads'),
};
export const NOT_FOUND_RESPONSE = { 404: ref('ErrorResponse', 'No such resource') };

/** The error answers every OAuth endpoint may give. */
export const OAUTH_ERROR_RESPONSES = {
  400: ref('OAuthError', 'invalid_request, invalid_scope, invalid_target, …'),
  401: ref('OAuthError', 'invalid_client: one answer for every kind of bad credentials'),
  413: ref('OAuthError', 'invalid_request: the body is too large'),
  415: ref('OAuthError', 'invalid_request: not a form or multipart body'),
  429: Type.Union([Type.Ref('RateLimitError'), Type.Ref('OAuthError')], {
    description: 'Rate Limit Exceeded, or too_many_attempts after repeated failures',
  }),
  500: ref('OAuthError', 'server_error'),
  503: ref('OAuthError', 'temporarily_unavailable: the database cannot be reached'),
};
