import { ERROR_WIRE, type SailPointErrorBody } from '@patina/contract';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PatinaError } from '../core/errors.js';
import { isUnavailable } from '../storage/dialect.js';
import { AccessTokenError } from '../tokens/access-tokens.js';
import { safePath } from './safe-path.js';
import { validationToError } from './validation.js';

export function sailPointBody(
  detailCode: string,
  trackingId: string,
  text: string,
): SailPointErrorBody {
  return {
    detailCode,
    trackingId,
    messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text }],
    causes: [],
  };
}

/** The `WWW-Authenticate` challenge of RFC 6750 §3; error descriptions never quote the token. */
export function bearerChallenge(error?: { description: string }): string {
  if (!error) return 'Bearer realm="patina"';
  const description = error.description.replace(/["\\]/g, '');
  return `Bearer realm="patina", error="invalid_token", error_description="${description}"`;
}

export function sendUnauthorized(reply: FastifyReply, error: AccessTokenError | PatinaError) {
  const description = error.message;
  const text =
    error instanceof AccessTokenError ? `JWT validation failed: ${description}` : description;
  return reply
    .code(401)
    .header(
      'www-authenticate',
      bearerChallenge(error instanceof AccessTokenError ? { description } : undefined),
    )
    .send({ error: text });
}

/**
 * Error → wire for the PAT and admin APIs. A 4xx says what was wrong; a 5xx says only that a
 * fault happened, with the trackingId that leads to the full log entry.
 */
export function installSailPointErrors(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const error = toPatinaError(raw);
    if (error.code === 'UNAUTHORIZED') return sendUnauthorized(reply, error);
    if (error.code === 'RATE_LIMITED') {
      if (error.retryAfterSeconds !== undefined)
        reply.header('retry-after', error.retryAfterSeconds);
      return reply.code(429).send({ message: 'Rate Limit Exceeded' });
    }
    if (raw instanceof AccessTokenError) return sendUnauthorized(reply, raw);
    const { status, detailCode } = ERROR_WIRE[error.code];
    if (error.requiredScope !== undefined) {
      // RFC 6750 §3.1: the token is fine but lacks a scope; say which.
      void reply.header(
        'www-authenticate',
        `Bearer realm="patina", error="insufficient_scope", scope="${error.requiredScope}"`,
      );
    }
    if (error.code === 'UNAVAILABLE') {
      request.log.warn({ err: { message: raw.message } }, 'database unavailable');
      void reply.header('retry-after', error.retryAfterSeconds ?? 1);
    } else if (status >= 500) {
      request.log.error({ err: raw }, 'request failed');
    }
    return reply.code(status).send(sailPointBody(detailCode, request.id, error.message));
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        sailPointBody(
          '404 Not found',
          request.id,
          `No resource at ${request.method} ${safePath(request.url)}`,
        ),
      ),
  );
}

/** Maps framework and library errors onto domain errors with safe messages. */
export function toPatinaError(raw: FastifyError | Error): PatinaError {
  if (raw instanceof PatinaError) return raw;
  if (raw instanceof AccessTokenError) return new PatinaError('UNAUTHORIZED', raw.message);
  if (isUnavailable(raw)) return databaseUnavailable(raw);
  const error = raw as FastifyError;
  if (error.validation) {
    return validationToError(error.validation, error.validationContext ?? 'body');
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new PatinaError(
        'UNSUPPORTED_MEDIA_TYPE',
        'The request Content-Type is not supported here; send application/json',
        {
          field: 'Content-Type',
        },
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PatinaError(
        'PAYLOAD_TOO_LARGE',
        'The request body is larger than this server accepts',
        {
          field: 'body',
        },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new PatinaError(
        'REQUIRED_MISSING',
        'The request body is empty; a JSON body is required',
        {
          field: 'body',
        },
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new PatinaError('BAD_REQUEST', 'The request body is not valid JSON', {
        field: 'body',
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new PatinaError('BAD_REQUEST', 'The request Content-Length does not match its body', {
        field: 'body',
      });
  }
  if (error.statusCode === 400 && error instanceof SyntaxError) {
    return new PatinaError('BAD_REQUEST', 'The request body is not valid JSON', { field: 'body' });
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new PatinaError('BAD_REQUEST', 'The request could not be read', { field: 'body' });
  }
  return new PatinaError(
    'INTERNAL',
    'An internal fault occurred; quote the trackingId when reporting it',
  );
}

/** A 503 for a database that cannot be reached; the client may retry in a second. */
export function databaseUnavailable(cause: unknown): PatinaError {
  return new PatinaError(
    'UNAVAILABLE',
    'The service cannot reach its database right now; retry shortly',
    { cause, retryAfterSeconds: 1 },
  );
}
