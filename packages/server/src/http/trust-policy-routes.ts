import {
  API_ERROR_RESPONSES,
  BODY_ERROR_RESPONSES,
  CreateTrustPolicyRequest,
  IdParams,
  NOT_FOUND_RESPONSE,
  PageQuery,
  TRUST_POLICIES_PATH,
  TrustPolicyMergePatch,
  TrustPolicyResponse,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TrustPolicyService } from '../federation/trust-policy-service.js';
import { registerDeleteRoute } from './delete-route.js';
import { MERGE_PATCH_TYPES, requireMediaType } from './media-type.js';
import { pageItems, pageOf, pagedListResponses } from './paged-list.js';
import { requestContext } from './request-context.js';

/** Trust policies of workload identity federation, under the admin API (docs/federation.md). */
export function registerTrustPolicyRoutes(
  parent: FastifyInstance,
  deps: { trustPolicies: TrustPolicyService },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const config = { surface: 'admin' };
  const tags = ['Federation'];
  const base = TRUST_POLICIES_PATH;

  app.post(
    base,
    {
      config,
      schema: {
        tags,
        operationId: 'createTrustPolicy',
        summary: 'Trust a workload platform’s OIDC tokens for a service identity',
        body: Type.Ref(CreateTrustPolicyRequest),
        response: {
          201: Type.Ref(TrustPolicyResponse, { description: 'The new trust policy' }),
          ...BODY_ERROR_RESPONSES,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const created = await deps.trustPolicies.create(requestContext(request), request.body);
      return reply.code(201).send(created);
    },
  );

  app.get(
    base,
    {
      config,
      schema: {
        tags,
        operationId: 'listTrustPolicies',
        summary: 'List trust policies',
        querystring: PageQuery,
        response: {
          ...pagedListResponses(TrustPolicyResponse, 'The page of trust policies asked for'),
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) =>
      pageItems(
        reply,
        await deps.trustPolicies.list(requestContext(request), pageOf(request.query)),
      ),
  );

  app.get(
    `${base}/:id`,
    {
      config,
      schema: {
        tags,
        operationId: 'getTrustPolicy',
        summary: 'Get a trust policy',
        params: IdParams,
        response: {
          200: Type.Ref(TrustPolicyResponse, { description: 'The trust policy' }),
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => deps.trustPolicies.get(requestContext(request), request.params.id),
  );

  app.patch(
    `${base}/:id`,
    {
      config,
      preValidation: requireMediaType(...MERGE_PATCH_TYPES),
      schema: {
        tags,
        operationId: 'updateTrustPolicy',
        summary: 'Change a trust policy (application/merge-patch+json); enabled: false stops it',
        params: IdParams,
        consumes: MERGE_PATCH_TYPES,
        body: Type.Ref(TrustPolicyMergePatch),
        response: {
          200: Type.Ref(TrustPolicyResponse, { description: 'The trust policy as changed' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) =>
      deps.trustPolicies.update(requestContext(request), request.params.id, request.body),
  );

  registerDeleteRoute(app, {
    url: base,
    config,
    tags,
    operationId: 'deleteTrustPolicy',
    summary: 'Delete a trust policy; the access tokens it issued stop at once',
    deleted: 'Deleted',
    remove: (context, id) => deps.trustPolicies.delete(context, id),
  });
}
