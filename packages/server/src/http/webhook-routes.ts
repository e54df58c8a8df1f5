import {
  API_ERROR_RESPONSES,
  BODY_ERROR_RESPONSES,
  CreateWebhookRequest,
  CreateWebhookResponse,
  DeliveriesQuery,
  IdParams,
  NOT_FOUND_RESPONSE,
  PageQuery,
  WebhookDeliveryResponse,
  WebhookMergePatch,
  WebhookResponse,
  WebhookTestResponse,
  ADMIN_BASE,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { WebhookService } from '../notifications/webhook-service.js';
import { registerDeleteRoute } from './delete-route.js';
import { emptyBody, NoBody } from './no-body.js';
import { MERGE_PATCH_TYPES, requireMediaType } from './media-type.js';
import { pageItems, pageOf, pagedListResponses } from './paged-list.js';
import { requestContext } from './request-context.js';

/** Webhooks under the admin API: their endpoints, secrets, test pings and deliveries. */
export function registerWebhookRoutes(
  parent: FastifyInstance,
  deps: { webhooks: WebhookService },
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
          ...pagedListResponses(WebhookResponse, 'The page of webhooks asked for'),
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) =>
      pageItems(reply, await deps.webhooks.list(requestContext(request), pageOf(request.query))),
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

  registerDeleteRoute(app, {
    url: base,
    config,
    tags,
    operationId: 'deleteWebhook',
    summary: 'Delete a webhook and the deliveries it is still owed',
    deleted: 'Deleted',
    remove: (context, id) => deps.webhooks.delete(context, id),
  });

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
          ...pagedListResponses(
            WebhookDeliveryResponse,
            'The page of deliveries asked for, newest first',
          ),
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const page = await deps.webhooks.deliveries(requestContext(request), request.params.id, {
        status: q.status,
        ...pageOf(q),
      });
      return pageItems(reply, page);
    },
  );
}
