import type { FastifyError } from 'fastify';
import { PatinaError } from '../../core/errors.js';
import { OAuthError } from '../../oauth/errors.js';
import { AccessTokenError } from '../../tokens/access-tokens.js';
import { ConsoleRefusal } from '../console/refusals.js';
import { validationToError } from '../validation.js';

/** What was wrong with a body Fastify could not read; each wire format words it its own way. */
export type BodyProblem =
  | 'unsupported-media-type'
  | 'too-large'
  | 'empty-json'
  | 'malformed-json'
  | 'bad-content-length'
  | 'unreadable';

/**
 * Every error an HTTP request can end with, sorted once into the kinds the wire formats answer
 * differently. A renderer (errors/sailpoint.ts, errors/oauth.ts) turns each kind into a status,
 * headers and a body, and never looks at the thrown value again.
 */
export type ClassifiedError =
  /** A domain rule refused the request (4xx): the message says what was wrong. */
  | { kind: 'domain'; error: PatinaError }
  /** A body the framework could not read. */
  | { kind: 'body'; problem: BodyProblem }
  /** An RFC 6749 §5.2 error of the OAuth endpoints. */
  | { kind: 'oauth'; error: OAuthError }
  /** No usable bearer token (RFC 6750 §3.1); `invalidToken` when one was sent but is bad. */
  | {
      kind: 'bearer';
      message: string;
      invalidToken: boolean;
      /** RFC 9449 §7.1: a DPoP challenge instead of a Bearer one. */
      dpop?: AccessTokenError['dpop'];
    }
  | { kind: 'rate-limited'; retryAfterSeconds: number | undefined }
  /** A refusal of the console's endpoints (sign-in, session, CSRF), in its own `{ error, message }`. */
  | { kind: 'console'; refusal: ConsoleRefusal }
  /** A dependency (the database) is down; the client may retry after `retryAfterSeconds`. */
  | { kind: 'unavailable'; retryAfterSeconds: number; error: PatinaError }
  /** Anything else: a fault, answered without detail and logged in full. */
  | { kind: 'fault'; cause: unknown };

const FASTIFY_BODY_PROBLEMS = new Map<string, BodyProblem>([
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'unsupported-media-type'],
  ['FST_ERR_CTP_BODY_TOO_LARGE', 'too-large'],
  ['FST_ERR_CTP_EMPTY_JSON_BODY', 'empty-json'],
  ['FST_ERR_CTP_INVALID_JSON_BODY', 'malformed-json'],
  ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'bad-content-length'],
]);

export function classifyError(raw: unknown): ClassifiedError {
  if (raw instanceof PatinaError) return classifyDomain(raw);
  if (raw instanceof OAuthError) return { kind: 'oauth', error: raw };
  if (raw instanceof ConsoleRefusal) return { kind: 'console', refusal: raw };
  if (raw instanceof AccessTokenError) {
    return {
      kind: 'bearer',
      message: raw.message,
      invalidToken: true,
      ...(raw.dpop && { dpop: raw.dpop }),
    };
  }
  const error = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<FastifyError>;
  if (error.validation) {
    return classifyDomain(validationToError(error.validation, error.validationContext ?? 'body'));
  }
  const problem =
    typeof error.code === 'string' ? FASTIFY_BODY_PROBLEMS.get(error.code) : undefined;
  if (problem) return { kind: 'body', problem };
  const status = error.statusCode;
  if (status === 400 && raw instanceof SyntaxError)
    return { kind: 'body', problem: 'malformed-json' };
  // Any other 4xx the framework or a body parser (multipart) raised is about the body it read.
  if (status !== undefined && status >= 400 && status < 500) {
    return { kind: 'body', problem: 'unreadable' };
  }
  return { kind: 'fault', cause: raw };
}

function classifyDomain(error: PatinaError): ClassifiedError {
  switch (error.code) {
    case 'UNAUTHORIZED':
      return { kind: 'bearer', message: error.message, invalidToken: false };
    case 'RATE_LIMITED':
      return { kind: 'rate-limited', retryAfterSeconds: error.retryAfterSeconds };
    case 'UNAVAILABLE':
      return { kind: 'unavailable', retryAfterSeconds: error.retryAfterSeconds ?? 1, error };
    case 'INTERNAL':
      return { kind: 'fault', cause: error };
    default:
      return { kind: 'domain', error };
  }
}
