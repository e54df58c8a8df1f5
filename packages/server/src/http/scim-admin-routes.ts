import {
  API_ERROR_RESPONSES,
  BAD_REQUEST_RESPONSE,
  SCIM_ADMIN_PATHS,
  ScimConfigResponse,
  ScimEventsQuery,
  ScimEventsResponse,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ScimService } from '../scim/service.js';
import { ADMIN_ROUTE_CONFIG as config, ADMINISTRATION_TAGS as tags } from './admin/surface.js';
import { requestContext } from './request-context.js';

/** The console's SCIM setup page: where the directory sends, and its last requests (all-read). */
export function registerScimAdminRoutes(
  parent: FastifyInstance,
  deps: { scim: ScimService },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    SCIM_ADMIN_PATHS.config,
    {
      config,
      schema: {
        tags,
        operationId: 'getScimConfig',
        summary: 'The SCIM base URL and the right its token needs',
        response: {
          200: { ...ScimConfigResponse, description: 'Where the directory sends, and with what' },
          ...API_ERROR_RESPONSES,
        },
      },
    },
    (request) => Promise.resolve(deps.scim.config(requestContext(request))),
  );
  app.get(
    SCIM_ADMIN_PATHS.events,
    {
      config,
      schema: {
        tags,
        operationId: 'listScimEvents',
        summary: "The directory's latest requests to /scim/v2 and their results, newest first",
        querystring: ScimEventsQuery,
        response: {
          200: { ...ScimEventsResponse, description: 'The newest provisioning events first' },
          ...BAD_REQUEST_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => deps.scim.events(requestContext(request), request.query.limit ?? 50),
  );
}
