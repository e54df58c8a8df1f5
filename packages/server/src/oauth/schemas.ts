import { Type } from '@sinclair/typebox';

/** RFC 6749 §5.2 error body. */
export const OAuthErrorSchema = Type.Object({
  error: Type.String(),
  error_description: Type.String(),
});
/** 429 is either the rate limit's `{ message }` or the lockout's OAuth error body. */
export const TooManySchema = Type.Object({
  message: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  error_description: Type.Optional(Type.String()),
});

/** The error answers every OAuth endpoint may give, for its response schema. */
export const OAUTH_ERROR_RESPONSES = {
  400: OAuthErrorSchema,
  401: OAuthErrorSchema,
  429: TooManySchema,
};
