import {
  AdminCreatePatRequest,
  AuditEventResponse,
  AuditQuery,
  CreateIdentityRequest,
  CreatePatResponse,
  API_ERROR_RESPONSES,
  IdentityMergePatch,
  IdentityResponse,
  IdParams,
  PageQuery,
} from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AuditQueryService } from '../audit/audit-query-service.js';
import type { IdentityService } from '../identities/identity-service.js';
import type { PatService } from '../pats/pat-service.js';
import { toCreateResponse } from './pat-routes.js';
import { requireMediaType } from './media-type.js';
import { requestContext } from './request-context.js';

export const ADMIN_BASE = '/patina/v1';

/** Patina's own administration API: identities, PATs for others, the audit trail. */
export function registerAdminRoutes(
  parent: FastifyInstance,
  deps: { identities: IdentityService; pats: PatService; audit: AuditQueryService },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const config = { surface: 'admin' };
  const tags = ['Administration'];
  const notFound = { 404: Type.Ref('ErrorResponse') };

  app.post(
    `${ADMIN_BASE}/identities`,
    {
      config,
      schema: {
        tags,
        operationId: 'createIdentity',
        summary: 'Create an identity',
        body: Type.Ref(CreateIdentityRequest),
        response: { 201: Type.Ref(IdentityResponse), ...API_ERROR_RESPONSES },
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
        response: { 200: Type.Array(Type.Ref(IdentityResponse)), ...API_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { items, total } = await deps.identities.list(requestContext(request), {
        limit: request.query.limit ?? 250,
        offset: request.query.offset ?? 0,
        withTotal: request.query.count === true,
      });
      if (total !== undefined) void reply.header('x-total-count', total);
      return items;
    },
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
        response: { 200: Type.Ref(IdentityResponse), ...API_ERROR_RESPONSES, ...notFound },
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
      preValidation: requireMediaType('application/merge-patch+json', 'application/json'),
      schema: {
        tags,
        operationId: 'updateIdentity',
        summary: 'Change name, roles, rights or status (application/merge-patch+json)',
        params: IdParams,
        body: Type.Ref(IdentityMergePatch),
        response: { 200: Type.Ref(IdentityResponse), ...API_ERROR_RESPONSES, ...notFound },
      },
    },
    async (request) => {
      return deps.identities.update(requestContext(request), request.params.id, request.body);
    },
  );

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
        response: { 200: Type.Ref(CreatePatResponse), ...API_ERROR_RESPONSES, ...notFound },
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

  app.get(
    `${ADMIN_BASE}/audit-events`,
    {
      config,
      schema: {
        tags,
        operationId: 'listAuditEvents',
        summary: 'Audit events, newest first',
        querystring: AuditQuery,
        response: { 200: Type.Array(Type.Ref(AuditEventResponse)), ...API_ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { items, total } = await deps.audit.list(requestContext(request), {
        type: q.type,
        actorId: q['actor-id'],
        targetId: q['target-id'],
        from: q.from,
        to: q.to,
        limit: q.limit ?? 250,
        offset: q.offset ?? 0,
        withTotal: q.count === true,
      });
      if (total !== undefined) void reply.header('x-total-count', total);
      return items;
    },
  );
}
