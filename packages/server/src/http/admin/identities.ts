import {
  ADMIN_BASE,
  API_ERROR_RESPONSES,
  BODY_ERROR_RESPONSES,
  CreateIdentityRequest,
  IdentityMergePatch,
  IdentityResponse,
  IdParams,
  NOT_FOUND_RESPONSE,
  PageQuery,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { IdentityService } from '../../identities/identity-service.js';
import { MERGE_PATCH_TYPES, requireMediaType } from '../media-type.js';
import { pageItems, pageOf, pagedListResponses } from '../paged-list.js';
import { requestContext } from '../request-context.js';
import { ADMIN_ROUTE_CONFIG as config, ADMINISTRATION_TAGS as tags } from './surface.js';

/** Identities: create, list, read, and change by merge patch. */
export function registerIdentityRoutes(
  parent: FastifyInstance,
  deps: { identities: IdentityService },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    `${ADMIN_BASE}/identities`,
    {
      config,
      schema: {
        tags,
        operationId: 'createIdentity',
        summary: 'Create an identity',
        body: Type.Ref(CreateIdentityRequest),
        response: {
          201: Type.Ref(IdentityResponse, { description: 'The new identity' }),
          ...BODY_ERROR_RESPONSES,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const identity = await deps.identities.create(requestContext(request), request.body);
      return reply.code(201).send(identity);
    },
  );

  app.get(
    `${ADMIN_BASE}/identities`,
    {
      config,
      schema: {
        tags,
        operationId: 'listIdentities',
        summary: 'List identities',
        querystring: PageQuery,
        response: {
          ...pagedListResponses(IdentityResponse, 'The page of identities asked for'),
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) =>
      pageItems(reply, await deps.identities.list(requestContext(request), pageOf(request.query))),
  );

  app.get(
    `${ADMIN_BASE}/identities/:id`,
    {
      config,
      schema: {
        tags,
        operationId: 'getIdentity',
        summary: 'Get an identity',
        params: IdParams,
        response: {
          200: Type.Ref(IdentityResponse, { description: 'The identity' }),
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      return deps.identities.get(requestContext(request), request.params.id);
    },
  );

  app.patch(
    `${ADMIN_BASE}/identities/:id`,
    {
      config,
      preValidation: requireMediaType(...MERGE_PATCH_TYPES),
      schema: {
        tags,
        operationId: 'updateIdentity',
        summary: 'Change name, roles, rights or status (application/merge-patch+json)',
        params: IdParams,
        consumes: MERGE_PATCH_TYPES,
        body: Type.Ref(IdentityMergePatch),
        response: {
          200: Type.Ref(IdentityResponse, { description: 'The identity as changed' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      return deps.identities.update(requestContext(request), request.params.id, request.body);
    },
  );
}
