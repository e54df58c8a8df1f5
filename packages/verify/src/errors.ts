/**
 * Why a token was refused, or why the verifier could not decide. Callers switch on `code`;
 * messages never carry the token or any part of it.
 */
export const VERIFY_ERROR_CODES = [
  /** Not a valid Patina access token: bad signature, wrong issuer or audience, expired, … */
  'ERR_TOKEN_INVALID',
  /** Valid, but its PAT was deleted, revoked or rotated, or its owner disabled, after it was issued. */
  'ERR_TOKEN_REVOKED',
  /**
   * A DPoP-bound token (RFC 9449) without a good proof by its key, or a proof with a token that
   * is not bound.
   */
  'ERR_DPOP_PROOF',
  /** The event stream has not been heard from within maxStalenessMs, and failing closed is asked for. */
  'ERR_STREAM_STALE',
  /** The stream was stale, and the introspection fallback could not be reached or said no. */
  'ERR_INTROSPECTION_FAILED',
  /** Discovery or opening the stream failed at start. */
  'ERR_SETUP_FAILED',
] as const;
export type VerifyErrorCode = (typeof VERIFY_ERROR_CODES)[number];

export class VerifyError extends Error {
  override readonly name = 'VerifyError';

  constructor(
    readonly code: VerifyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
