import { ADMIN_BASE, API_ERROR_RESPONSES, AuditEventResponse, AuditQuery } from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AuditQueryService } from '../../audit/audit-query-service.js';
import { pageItems, pageOf, pagedListResponses } from '../paged-list.js';
import { requestContext } from '../request-context.js';
import { ADMIN_ROUTE_CONFIG as config, ADMINISTRATION_TAGS as tags } from './surface.js';

/** The audit trail, newest first, by type, actor, target and time. */
export function registerAuditRoutes(
  parent: FastifyInstance,
  deps: { audit: AuditQueryService },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    `${ADMIN_BASE}/audit-events`,
    {
      config,
      schema: {
        tags,
        operationId: 'listAuditEvents',
        summary: 'Audit events, newest first',
        querystring: AuditQuery,
        response: {
          ...pagedListResponses(
            AuditEventResponse,
            'The page of audit events asked for, newest first',
          ),
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const page = await deps.audit.list(requestContext(request), {
        type: q.type,
        actorId: q['actor-id'],
        targetId: q['target-id'],
        from: q.from,
        to: q.to,
        ...pageOf(q),
      });
      return pageItems(reply, page);
    },
  );
}
