import { ERROR_WIRE, type ErrorCode, type SailPointErrorBody } from '@patina/contract';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safePath } from '../safe-path.js';
import { insufficientScopeChallenge, sendBearerRefusal } from './bearer.js';
import { classifyError, type BodyProblem, type ClassifiedError } from './classify.js';
import { logFault, prepareUnavailable, sendRateLimited, UNAVAILABLE_TEXT } from './shared.js';
import { redactCredentials } from '../../core/redact.js';

const INTERNAL_TEXT = 'An internal fault occurred; quote the trackingId when reporting it';

/** How the PAT and admin APIs word a body they could not read. */
const BODY_ERRORS: Record<BodyProblem, { code: ErrorCode; text: string }> = {
  'unsupported-media-type': {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    text: 'The request Content-Type is not supported here; send application/json',
  },
  'too-large': {
    code: 'PAYLOAD_TOO_LARGE',
    text: 'The request body is larger than this server accepts',
  },
  'empty-json': {
    code: 'REQUIRED_MISSING',
    text: 'The request body is empty; a JSON body is required',
  },
  'malformed-json': { code: 'BAD_REQUEST', text: 'The request body is not valid JSON' },
  'bad-content-length': {
    code: 'BAD_REQUEST',
    text: 'The request Content-Length does not match its body',
  },
  unreadable: { code: 'BAD_REQUEST', text: 'The request could not be read' },
};

/** SailPoint's ErrorResponseDto for one message. */
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

/**
 * A classified error as the PAT and admin APIs answer it. A 4xx says what was wrong; a 5xx says
 * only that a fault happened, with the trackingId that leads to the full log entry.
 */
export function renderSailPoint(
  classified: ClassifiedError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const send = (code: ErrorCode, text: string) => {
    const { status, detailCode } = ERROR_WIRE[code];
    return reply.code(status).send(sailPointBody(detailCode, request.id, redactCredentials(text)));
  };
  switch (classified.kind) {
    case 'bearer':
      return sendBearerRefusal(reply, classified);
    case 'rate-limited':
      return sendRateLimited(reply, classified.retryAfterSeconds);
    case 'unavailable':
      prepareUnavailable(request, reply, classified);
      return send('UNAVAILABLE', UNAVAILABLE_TEXT);
    case 'body': {
      const { code, text } = BODY_ERRORS[classified.problem];
      return send(code, text);
    }
    case 'domain': {
      const { error } = classified;
      if (error.requiredScope !== undefined) {
        void reply.header('www-authenticate', insufficientScopeChallenge(error.requiredScope));
      }
      return send(error.code, error.message);
    }
    case 'oauth':
      // The API never raises RFC 6749 errors; one that gets here is a bug.
      logFault(request, classified.error);
      return send('INTERNAL', INTERNAL_TEXT);
    case 'console':
      // Nor the console's refusals, which only its own routes (errors/console.ts) answer.
      logFault(request, classified.refusal);
      return send('INTERNAL', INTERNAL_TEXT);
    case 'fault':
      logFault(request, classified.cause);
      return send('INTERNAL', INTERNAL_TEXT);
  }
}

/** Errors and unknown routes of the app answer in SailPoint's format (the OAuth scope has its own). */
export function installSailPointErrors(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) =>
    renderSailPoint(classifyError(raw), request, reply),
  );
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(ERROR_WIRE.NOT_FOUND.status)
      .send(
        sailPointBody(
          ERROR_WIRE.NOT_FOUND.detailCode,
          request.id,
          `No resource at ${request.method} ${safePath(request.url)}`,
        ),
      ),
  );
}
