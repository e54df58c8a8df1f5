import {
  API_ERROR_RESPONSES,
  BAD_REQUEST_RESPONSE,
  BODY_ERROR_RESPONSES,
  CreateWebhookRequest,
  CreateWebhookResponse,
  DeliveriesQuery,
  IdParams,
  NOT_FOUND_RESPONSE,
  PageQuery,
  TOTAL_COUNT_HEADERS,
  WebhookDeliveryResponse,
  WebhookMergePatch,
  WebhookResponse,
  WebhookTestResponse,
  ADMIN_BASE,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import type { ExpiryCalendar } from '../notifications/calendar.js';
import type { WebhookService } from '../notifications/webhook-service.js';
import { requireMediaType } from './media-type.js';
import { requestContext } from './request-context.js';

const MERGE_PATCH_TYPES = ['application/merge-patch+json', 'application/json'];

/** The actions on one webhook take no parameters; an absent body means an empty one. */
const NoBody = Type.Optional(
  Type.Object({}, { additionalProperties: false, description: 'Nothing to send: {} or no body' }),
);
function emptyBody(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
  request.body ??= {};
  done();
}

/** Webhooks under the admin API, and the caller's expiry calendar. */
export function registerWebhookRoutes(
  parent: FastifyInstance,
  deps: { webhooks: WebhookService; calendar: ExpiryCalendar },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const config = { surface: 'admin' };
  const tags = ['Webhooks'];
  const base = `${ADMIN_BASE}/webhooks`;

  app.post(
    base,
    {
      config,
      schema: {
        tags,
        operationId: 'createWebhook',
        summary: 'Create a webhook; its signing secret is in this answer only',
        body: Type.Ref(CreateWebhookRequest),
        response: {
          201: Type.Ref(CreateWebhookResponse, {
            description: 'The new webhook, with its signing secret (shown only here)',
          }),
          ...BODY_ERROR_RESPONSES,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const created = await deps.webhooks.create(requestContext(request), request.body);
      return reply.code(201).send(created);
    },
  );

  app.get(
    base,
    {
      config,
      schema: {
        tags,
        operationId: 'listWebhooks',
        summary: 'List webhooks',
        querystring: PageQuery,
        response: {
          200: Type.Array(Type.Ref(WebhookResponse), {
            description: 'The page of webhooks asked for',
            headers: TOTAL_COUNT_HEADERS,
          }),
          ...BAD_REQUEST_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const { items, total } = await deps.webhooks.list(requestContext(request), {
        limit: request.query.limit ?? 250,
        offset: request.query.offset ?? 0,
        withTotal: request.query.count === true,
      });
      if (total !== undefined) void reply.header('x-total-count', total);
      return items;
    },
  );

  app.get(
    `${base}/:id`,
    {
      config,
      schema: {
        tags,
        operationId: 'getWebhook',
        summary: 'Get a webhook',
        params: IdParams,
        response: {
          200: Type.Ref(WebhookResponse, { description: 'The webhook' }),
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => deps.webhooks.get(requestContext(request), request.params.id),
  );

  app.patch(
    `${base}/:id`,
    {
      config,
      preValidation: requireMediaType(...MERGE_PATCH_TYPES),
      schema: {
        tags,
        operationId: 'updateWebhook',
        summary: 'Change url, events, description or enabled (application/merge-patch+json)',
        params: IdParams,
        consumes: MERGE_PATCH_TYPES,
        body: Type.Ref(WebhookMergePatch),
        response: {
          200: Type.Ref(WebhookResponse, { description: 'The webhook as changed' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) =>
      deps.webhooks.update(requestContext(request), request.params.id, request.body),
  );

  app.delete(
    `${base}/:id`,
    {
      config,
      schema: {
        tags,
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook and the deliveries it is still owed',
        params: IdParams,
        response: {
          204: Type.Null({ description: 'Deleted' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      await deps.webhooks.delete(requestContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${base}/:id/rotate-secret`,
    {
      config,
      preValidation: emptyBody,
      schema: {
        tags,
        operationId: 'rotateWebhookSecret',
        summary: 'A new signing secret; for a day requests carry both signatures',
        params: IdParams,
        body: NoBody,
        response: {
          200: Type.Ref(CreateWebhookResponse, {
            description: 'The webhook with its new signing secret (shown only here)',
          }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => deps.webhooks.rotateSecret(requestContext(request), request.params.id),
  );

  app.post(
    `${base}/:id/test`,
    {
      config,
      preValidation: emptyBody,
      schema: {
        tags,
        operationId: 'testWebhook',
        summary: 'Send the endpoint a ping event',
        params: IdParams,
        body: NoBody,
        response: {
          202: Type.Ref(WebhookTestResponse, {
            description: 'The ping is queued; follow it in the deliveries list',
          }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const queued = await deps.webhooks.test(requestContext(request), request.params.id);
      return reply.code(202).send(queued);
    },
  );

  app.get(
    `${base}/:id/deliveries`,
    {
      config,
      schema: {
        tags,
        operationId: 'listWebhookDeliveries',
        summary: "The endpoint's deliveries, newest first: attempts, status codes, next retry",
        params: IdParams,
        querystring: DeliveriesQuery,
        response: {
          200: Type.Array(Type.Ref(WebhookDeliveryResponse), {
            description: 'The page of deliveries asked for, newest first',
            headers: TOTAL_COUNT_HEADERS,
          }),
          ...BAD_REQUEST_RESPONSE,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { items, total } = await deps.webhooks.deliveries(
        requestContext(request),
        request.params.id,
        {
          status: q.status,
          limit: q.limit ?? 250,
          offset: q.offset ?? 0,
          withTotal: q.count === true,
        },
      );
      if (total !== undefined) void reply.header('x-total-count', total);
      return items;
    },
  );

  app.get(
    `${ADMIN_BASE}/me/expirations.ics`,
    {
      config,
      schema: {
        tags: ['Personal access tokens'],
        operationId: 'getMyExpirationCalendar',
        summary: "An iCalendar feed (RFC 5545) of the caller's PAT expiry dates",
        response: {
          200: {
            description: 'One event per expiring PAT, with a reminder a week before',
            content: { 'text/calendar': { schema: Type.String() } },
          },
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const feed = await deps.calendar.feed(requestContext(request));
      return reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('cache-control', 'private, max-age=300')
        .send(feed);
    },
  );
}
