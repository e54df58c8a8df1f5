import {
  API_ERROR_RESPONSES,
  BAD_REQUEST_RESPONSE,
  BODY_ERROR_RESPONSES,
  IdParams,
  NOT_FOUND_RESPONSE,
  PageQuery,
  SsfStreamResponse,
  TOTAL_COUNT_HEADERS,
  ADMIN_BASE,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { StreamAdministration } from '../ssf/stream-admin.js';
import { requestContext } from './request-context.js';

/**
 * Every client's Shared Signals streams under the admin API. Unlike the SSF endpoints (kept out
 * of the OpenAPI document, see ssf-routes.ts), these are Patina's own and documented.
 */
export function registerSsfAdminRoutes(
  parent: FastifyInstance,
  deps: { streamAdmin: StreamAdministration },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const config = { surface: 'admin' };
  const tags = ['Shared Signals'];
  const base = `${ADMIN_BASE}/ssf-streams`;

  app.get(
    base,
    {
      config,
      schema: {
        tags,
        operationId: 'listSsfStreams',
        summary: 'List every client’s Shared Signals streams, oldest first',
        querystring: PageQuery,
        response: {
          200: Type.Array(Type.Ref(SsfStreamResponse), {
            description: 'The page of streams asked for',
            headers: TOTAL_COUNT_HEADERS,
          }),
          ...BAD_REQUEST_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const { items, total } = await deps.streamAdmin.list(requestContext(request), {
        limit: request.query.limit ?? 250,
        offset: request.query.offset ?? 0,
        withTotal: request.query.count === true,
      });
      if (total !== undefined) void reply.header('x-total-count', total);
      return items;
    },
  );

  app.delete(
    `${base}/:id`,
    {
      config,
      schema: {
        tags,
        operationId: 'deleteSsfStream',
        summary: 'Delete a Shared Signals stream and the SETs it is still owed',
        params: IdParams,
        response: {
          204: Type.Null({ description: 'Deleted' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      await deps.streamAdmin.delete(requestContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
