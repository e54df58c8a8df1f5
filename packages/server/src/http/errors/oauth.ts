import { OAUTH_ERROR_STATUS, type OAuthErrorCode, type OAuthErrorResponse } from '@patina/contract';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { classifyError, type BodyProblem, type ClassifiedError } from './classify.js';
import { logFault, prepareUnavailable, sendRateLimited, UNAVAILABLE_TEXT } from './shared.js';
import { redactCredentials } from '../../core/redact.js';

/** A body the OAuth endpoints could not read is `invalid_request` (RFC 6749 §5.2), so a 400. */
const BODY_DESCRIPTIONS: Record<BodyProblem, string> = {
  'unsupported-media-type':
    'The body must be application/x-www-form-urlencoded or multipart/form-data',
  'too-large': 'The request body is too large',
  'empty-json': 'The request body could not be read',
  'malformed-json': 'The request body could not be read',
  'bad-content-length': 'The request body could not be read',
  unreadable: 'The request body could not be read',
};

/**
 * A classified error as the OAuth endpoints answer it: an RFC 6749 §5.2 body, never cached
 * (RFC 6749 §5.1); the rate limit's 429 as on the API.
 */
export function renderOAuth(
  classified: ClassifiedError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  void reply.header('cache-control', 'no-store');
  switch (classified.kind) {
    case 'rate-limited':
      return sendRateLimited(reply, classified.retryAfterSeconds);
    case 'oauth': {
      const { error, description, retryAfterSeconds, dpopNonce } = classified.error;
      if (dpopNonce !== undefined) void reply.header('dpop-nonce', dpopNonce);
      return sendOAuthError(reply, error, description, { retryAfterSeconds });
    }
    case 'body':
      // An oversized body is a 413 (RFC 9110 §15.5.14) with the §5.2 body; the rest are 400s.
      return sendOAuthError(reply, 'invalid_request', BODY_DESCRIPTIONS[classified.problem], {
        ...(classified.problem === 'too-large' && { status: 413 }),
      });
    case 'domain':
      return sendOAuthError(reply, 'invalid_request', classified.error.message);
    case 'bearer':
      // The endpoints authenticate clients; a bad bearer token is bad client credentials.
      return sendOAuthError(reply, 'invalid_client', 'Bad client credentials');
    case 'unavailable':
      prepareUnavailable(request, reply, classified);
      return sendOAuthError(reply, 'temporarily_unavailable', UNAVAILABLE_TEXT);
    case 'console':
      // The OAuth endpoints never raise the console's refusals; one that gets here is a bug.
      logFault(request, classified.refusal);
      return sendOAuthError(reply, 'server_error', 'The server could not complete the request');
    case 'fault':
      logFault(request, classified.cause);
      return sendOAuthError(reply, 'server_error', 'The server could not complete the request');
  }
}

function sendOAuthError(
  reply: FastifyReply,
  error: OAuthErrorCode,
  description: string,
  options: { retryAfterSeconds?: number | undefined; status?: number } = {},
) {
  const { retryAfterSeconds, status = OAUTH_ERROR_STATUS[error] } = options;
  // RFC 6749 §5.2: a 401 for client authentication names the scheme the client should use.
  if (error === 'invalid_client') void reply.header('www-authenticate', 'Basic realm="patina"');
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', retryAfterSeconds);
  const body: OAuthErrorResponse = { error, error_description: redactCredentials(description) };
  return reply.code(status).send(body);
}

/** The error handler of the OAuth scope. */
export function oauthErrorHandler(
  raw: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  return renderOAuth(classifyError(raw), request, reply);
}
