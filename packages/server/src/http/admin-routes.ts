import {
  ADMIN_BASE,
  AdminCreatePatRequest,
  AuditEventResponse,
  AuditQuery,
  CreateIdentityRequest,
  CreatePatResponse,
  API_ERROR_RESPONSES,
  BAD_REQUEST_RESPONSE,
  BODY_ERROR_RESPONSES,
  IdentityMergePatch,
  IdentityResponse,
  IdParams,
  NOT_FOUND_RESPONSE,
  OverviewResponse,
  PageQuery,
  TOTAL_COUNT_HEADERS,
} from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AuditQueryService } from '../audit/audit-query-service.js';
import type { IdentityService } from '../identities/identity-service.js';
import type { OverviewService } from '../pats/overview-service.js';
import type { PatService } from '../pats/pat-service.js';
import { toCreateResponse } from './pat-routes.js';
import { requireMediaType } from './media-type.js';
import { requestContext } from './request-context.js';

/** An identity is changed by an RFC 7396 merge patch; plain JSON is taken too. */
const MERGE_PATCH_TYPES = ['application/merge-patch+json', 'application/json'];

/** Patina's own administration API: identities, PATs for others, the audit trail, the overview. */
export function registerAdminRoutes(
  parent: FastifyInstance,
  deps: {
    identities: IdentityService;
    pats: PatService;
    audit: AuditQueryService;
    overview: OverviewService;
  },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const config = { surface: 'admin' };
  const tags = ['Administration'];

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
          200: Type.Array(Type.Ref(IdentityResponse), {
            description: 'The page of identities asked for',
            headers: TOTAL_COUNT_HEADERS,
          }),
          ...BAD_REQUEST_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
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
          200: Type.Array(Type.Ref(AuditEventResponse), {
            description: 'The page of audit events asked for, newest first',
            headers: TOTAL_COUNT_HEADERS,
          }),
          ...BAD_REQUEST_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
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
