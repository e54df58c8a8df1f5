import {
  API_ERROR_RESPONSES,
  ApprovePatRequestBody,
  BODY_ERROR_RESPONSES,
  DenyPatRequestBody,
  IdParams,
  ListPatRequestsQuery,
  NOT_FOUND_RESPONSE,
  PAT_REQUESTS_PATH,
  PatRequest,
  PatinaCreatePatResponse,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApprovalService } from '../pats/approvals.js';
import type { PatPresentation } from '../pats/pat-presentation.js';
import { emptyBody, NoBody } from './no-body.js';
import { pageItems, pageOf, pagedListResponses } from './paged-list.js';
import { toPatinaResponse } from './patina-pat-routes.js';
import { requestContext } from './request-context.js';

/** The answer of a decision or a fetch that came too late or twice. */
const CONFLICT_RESPONSE = {
  409: Type.Ref('ErrorResponse', {
    description: 'Already decided, expired, or (the secret) fetched already',
  }),
};

/** Approval requests of `approval.rules` (docs/governance.md), under the admin API. */
export function registerPatRequestRoutes(
  parent: FastifyInstance,
  deps: { approvals: ApprovalService; presentation: PatPresentation },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const config = { surface: 'admin' };
  const tags = ['Approval requests'];
  const base = PAT_REQUESTS_PATH;
  const { approvals } = deps;

  app.get(
    base,
    {
      config,
      schema: {
        tags,
        operationId: 'listPatRequests',
        summary:
          'Requests the caller asked for, owns or decided, and the pending ones it may decide',
        querystring: ListPatRequestsQuery,
        response: {
          ...pagedListResponses(PatRequest, 'The page of requests asked for, newest first'),
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const page = pageOf(request.query);
      const { items, total } = await approvals.list(requestContext(request), {
        status: request.query.status,
        limit: page.limit,
        offset: page.offset,
      });
      return pageItems(reply, { items, ...(page.withTotal && { total }) });
    },
  );

  app.get(
    `${base}/:id`,
    {
      config,
      schema: {
        tags,
        operationId: 'getPatRequest',
        summary: 'Get an approval request',
        params: IdParams,
        response: {
          200: Type.Ref(PatRequest, { description: 'The request' }),
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => approvals.get(requestContext(request), request.params.id),
  );

  app.post(
    `${base}/:id/approve`,
    {
      config,
      schema: {
        tags,
        operationId: 'approvePatRequest',
        summary: 'Approve: the PAT is made (or its scope changed) now, under every rule',
        params: IdParams,
        body: Type.Ref(ApprovePatRequestBody),
        response: {
          200: Type.Ref(PatRequest, { description: 'The request, APPROVED (or FULFILLED)' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...CONFLICT_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) =>
      approvals.approve(requestContext(request), request.params.id, request.body.comment),
  );

  app.post(
    `${base}/:id/deny`,
    {
      config,
      schema: {
        tags,
        operationId: 'denyPatRequest',
        summary: 'Deny, with a comment for the requester: nothing is made',
        params: IdParams,
        body: Type.Ref(DenyPatRequestBody),
        response: {
          200: Type.Ref(PatRequest, { description: 'The request, DENIED' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...CONFLICT_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) =>
      approvals.deny(requestContext(request), request.params.id, request.body.comment),
  );

  app.post(
    `${base}/:id/secret`,
    {
      config,
      preValidation: emptyBody,
      schema: {
        tags,
        operationId: 'fetchPatRequestSecret',
        summary: 'The approved PAT with its secret, to the requester, once',
        params: IdParams,
        body: NoBody,
        response: {
          200: Type.Ref(PatinaCreatePatResponse, {
            description: 'The PAT and its secret; the request is FULFILLED',
          }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...CONFLICT_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { pat, secret } = await approvals.fetchSecret(
        requestContext(request),
        request.params.id,
      );
      const [shown] = await deps.presentation.describe([pat]);
      return { ...toPatinaResponse(shown!), secret };
    },
  );
}
