/** RFC 6749 §5.2 error codes, plus `server_error`; each has one HTTP status. */
export const OAUTH_ERROR_STATUS = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  // RFC 8707 §2: a `resource` the server does not serve.
  invalid_target: 400,
  // Not in §5.2: a client id locked out after repeated failures (SPEC §6).
  too_many_attempts: 429,
  server_error: 500,
  // RFC 6749 §4.1.2.1 names it for the authorization endpoint; here: the database is down.
  temporarily_unavailable: 503,
} as const;
export type OAuthErrorCode = keyof typeof OAUTH_ERROR_STATUS;

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly status: number;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(description);
    this.status = OAUTH_ERROR_STATUS[error];
  }
}

/** The one answer for every kind of bad client credentials (SPEC §3). */
export const badClientCredentials = () =>
  new OAuthError('invalid_client', 'Bad client credentials');
