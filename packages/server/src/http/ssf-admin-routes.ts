import { API_ERROR_RESPONSES, PageQuery, SsfStreamResponse, ADMIN_BASE } from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { StreamAdministration } from '../ssf/stream-admin.js';
import { registerDeleteRoute } from './delete-route.js';
import { pageItems, pageOf, pagedListResponses } from './paged-list.js';
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
          ...pagedListResponses(SsfStreamResponse, 'The page of streams asked for'),
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) =>
      pageItems(reply, await deps.streamAdmin.list(requestContext(request), pageOf(request.query))),
  );

  registerDeleteRoute(app, {
    url: base,
    config,
    tags,
    operationId: 'deleteSsfStream',
    summary: 'Delete a Shared Signals stream and the SETs it is still owed',
    deleted: 'Deleted',
    remove: (context, id) => deps.streamAdmin.delete(context, id),
  });
}
