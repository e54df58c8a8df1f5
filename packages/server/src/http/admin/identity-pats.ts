import {
  ADMIN_BASE,
  AdminCreatePatRequest,
  API_ERROR_RESPONSES,
  BODY_ERROR_RESPONSES,
  CreatePatResponse,
  IdParams,
  NOT_FOUND_RESPONSE,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PatService } from '../../pats/pat-service.js';
import { toCreateResponse } from '../pat-routes.js';
import { requestContext } from '../request-context.js';
import { ADMIN_ROUTE_CONFIG as config, ADMINISTRATION_TAGS as tags } from './surface.js';

/** An administrator creates a PAT for an identity, optionally a managed one. */
export function registerIdentityPatRoutes(
  parent: FastifyInstance,
  deps: { pats: PatService },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    `${ADMIN_BASE}/identities/:id/personal-access-tokens`,
    {
      config,
      schema: {
        tags,
        operationId: 'createPersonalAccessTokenFor',
        summary: 'Create a personal access token for an identity (optionally managed)',
        params: IdParams,
        body: Type.Ref(AdminCreatePatRequest),
        response: {
          200: Type.Ref(CreatePatResponse, {
            description: 'The new personal access token, with its secret (shown only here)',
          }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { pat, secret } = await deps.pats.createFor(
        requestContext(request),
        request.params.id,
        request.body,
      );
      return toCreateResponse(pat, secret);
    },
  );
}
