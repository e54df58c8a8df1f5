import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { PatinaError } from '../core/errors.js';

/** A change by an RFC 7396 merge patch; plain JSON is taken too. */
export const MERGE_PATCH_TYPES = ['application/merge-patch+json', 'application/json'];

/**
 * A preValidation hook that admits only the given media types. Content-type parsers are shared
 * by the whole app; this keeps a JSON Patch route from taking a merge patch and the reverse.
 */
export function requireMediaType(...allowed: string[]) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (allowed.includes(type)) return done();
    done(
      new PatinaError(
        'UNSUPPORTED_MEDIA_TYPE',
        `The request Content-Type must be ${allowed.join(' or ')}`,
        { field: 'Content-Type' },
      ),
    );
  };
}
