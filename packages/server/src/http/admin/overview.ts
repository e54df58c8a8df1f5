import { ADMIN_BASE, API_ERROR_RESPONSES, OverviewResponse } from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { OverviewService } from '../../pats/overview-service.js';
import { requestContext } from '../request-context.js';
import { ADMIN_ROUTE_CONFIG as config, ADMINISTRATION_TAGS as tags } from './surface.js';

/** The overview: live tokens by last use and by expiry week, exchanges and failures per day. */
export function registerOverviewRoute(
  parent: FastifyInstance,
  deps: { overview: OverviewService },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    `${ADMIN_BASE}/overview`,
    {
      config,
      schema: {
        tags,
        operationId: 'getOverview',
        summary: 'Live tokens by last use and by expiry week, exchanges and failures per day',
        response: {
          200: Type.Ref(OverviewResponse, {
            description: 'The overview, measured at generatedAt (UTC days)',
          }),
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => deps.overview.get(requestContext(request)),
  );
}
