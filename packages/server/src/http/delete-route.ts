import {
  API_ERROR_RESPONSES,
  BODY_ERROR_RESPONSES,
  IdParams,
  NOT_FOUND_RESPONSE,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RequestContext } from '../access/context.js';
import { requestContext } from './request-context.js';

/**
 * DELETE `<url>/:id`: 204 once the resource is gone, 404 when there is none. Fastify reads a
 * DELETE's body too, so an unreadable one is refused like any other.
 */
export function registerDeleteRoute(
  parent: FastifyInstance,
  route: {
    url: string;
    config: { surface: string };
    tags: string[];
    operationId: string;
    summary: string;
    /** What the 204 means for the caller. */
    deleted: string;
    remove: (context: RequestContext, id: string) => Promise<void>;
  },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.delete(
    `${route.url}/:id`,
    {
      config: route.config,
      schema: {
        tags: route.tags,
        operationId: route.operationId,
        summary: route.summary,
        params: IdParams,
        response: {
          204: Type.Null({ description: route.deleted }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      await route.remove(requestContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
