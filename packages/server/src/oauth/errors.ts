import { OAUTH_ERROR_STATUS, type OAuthErrorCode } from '@patina/contract';

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

/**
 * The one answer for every kind of bad client credentials (docs/rules.md, "The token endpoint").
 */
export const badClientCredentials = () =>
  new OAuthError('invalid_client', 'Bad client credentials');
