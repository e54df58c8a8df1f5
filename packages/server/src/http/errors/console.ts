import type { ConsoleErrorBody } from '@patina/contract';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { classifyError, type ClassifiedError } from './classify.js';
import { renderSailPoint } from './sailpoint.js';

/**
 * A classified error as the console's endpoints (/ui/) answer it: a refusal of theirs as
 * `{ error, message }`, never cached; anything else (a body the route could not read, a fault)
 * as the API answers it.
 */
export function renderConsole(
  classified: ClassifiedError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (classified.kind !== 'console') return renderSailPoint(classified, request, reply);
  const { status, code, message, retryAfterSeconds } = classified.refusal;
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', retryAfterSeconds);
  const body: ConsoleErrorBody = { error: code, message };
  return reply.code(status).header('cache-control', 'no-store').send(body);
}

/** The error handler of the console's scope. */
export function consoleErrorHandler(
  raw: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  return renderConsole(classifyError(raw), request, reply);
}
