import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * The body of an action that takes no parameters (a test ping, a secret fetch): `{}` or none at
 * all. Documented as JSON like every POST; an absent body reads as an empty one.
 */
export const NoBody = Type.Optional(
  Type.Object({}, { additionalProperties: false, description: 'Nothing to send: {} or no body' }),
);

/** preValidation of an action with NoBody: no body becomes `{}`. */
export function emptyBody(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  request.body ??= {};
  done();
}
