import {
  ACCESS_REVIEWS_PATH,
  API_ERROR_RESPONSES,
  AccessReview,
  AccessReviewItem,
  AccessReviewReport,
  BODY_ERROR_RESPONSES,
  BulkReviewDecisionRequest,
  BulkReviewDecisionResponse,
  CreateAccessReviewRequest,
  IdParams,
  ListAccessReviewItemsQuery,
  ListAccessReviewsQuery,
  NOT_FOUND_RESPONSE,
  ReviewDecisionRequest,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AccessReviewService } from '../governance/access-reviews.js';
import { emptyBody, NoBody } from './no-body.js';
import { pageItems, pageOf, pagedListResponses } from './paged-list.js';
import { requestContext } from './request-context.js';

/** The answer of a decision on an item decided already, or of a closed campaign. */
const CONFLICT_RESPONSE = {
  409: Type.Ref('ErrorResponse', {
    description: 'The item was decided already, or the campaign is closed',
  }),
};

const ItemParams = Type.Object({
  id: Type.String({ description: 'The campaign id' }),
  itemId: Type.String({ description: 'The item id' }),
});

/** Access reviews (certification campaigns, docs/governance.md), under the admin API. */
export function registerAccessReviewRoutes(
  parent: FastifyInstance,
  deps: { accessReviews: AccessReviewService },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const config = { surface: 'admin' };
  const tags = ['Access reviews'];
  const base = ACCESS_REVIEWS_PATH;
  const { accessReviews } = deps;

  app.post(
    base,
    {
      config,
      schema: {
        tags,
        operationId: 'createAccessReview',
        summary: 'Start a certification campaign over a selection of live PATs',
        body: Type.Ref(CreateAccessReviewRequest),
        response: {
          201: Type.Ref(AccessReview, { description: 'The campaign, started' }),
          ...BODY_ERROR_RESPONSES,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const created = await accessReviews.create(requestContext(request), request.body);
      return reply.code(201).send(created);
    },
  );

  app.get(
    base,
    {
      config,
      schema: {
        tags,
        operationId: 'listAccessReviews',
        summary: 'Campaigns: every one for all-read, otherwise those where the caller reviews',
        querystring: ListAccessReviewsQuery,
        response: {
          ...pagedListResponses(AccessReview, 'The page of campaigns asked for, newest first'),
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) =>
      pageItems(
        reply,
        await accessReviews.list(requestContext(request), {
          status: request.query.status,
          ...pageOf(request.query),
        }),
      ),
  );

  app.get(
    `${base}/:id`,
    {
      config,
      schema: {
        tags,
        operationId: 'getAccessReview',
        summary: 'Get a campaign with its progress',
        params: IdParams,
        response: {
          200: Type.Ref(AccessReview, { description: 'The campaign' }),
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => accessReviews.get(requestContext(request), request.params.id),
  );

  app.get(
    `${base}/:id/items`,
    {
      config,
      schema: {
        tags,
        operationId: 'listAccessReviewItems',
        summary: 'The items of a campaign with their evidence (a reviewer sees its own)',
        params: IdParams,
        querystring: ListAccessReviewItemsQuery,
        response: {
          ...pagedListResponses(AccessReviewItem, 'The page of items asked for'),
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) =>
      pageItems(
        reply,
        await accessReviews.items(requestContext(request), request.params.id, {
          reviewer: request.query.reviewer,
          outcome: request.query.outcome,
          ...pageOf(request.query),
        }),
      ),
  );

  app.post(
    `${base}/:id/items/:itemId/decision`,
    {
      config,
      schema: {
        tags,
        operationId: 'decideAccessReviewItem',
        summary: 'Certify (optionally shortening the expiry) or revoke one PAT, with a comment',
        params: ItemParams,
        body: Type.Ref(ReviewDecisionRequest),
        response: {
          200: Type.Ref(AccessReviewItem, { description: 'The item, decided' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...CONFLICT_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) =>
      accessReviews.decide(
        requestContext(request),
        request.params.id,
        request.params.itemId,
        request.body,
      ),
  );

  app.post(
    `${base}/:id/decisions`,
    {
      config,
      schema: {
        tags,
        operationId: 'decideAccessReviewItems',
        summary: 'Several decisions at once; each item is decided (or refused) on its own',
        params: IdParams,
        body: Type.Ref(BulkReviewDecisionRequest),
        response: {
          200: Type.Ref(BulkReviewDecisionResponse, {
            description: 'One result per decision, in order',
          }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) =>
      accessReviews.decideMany(requestContext(request), request.params.id, request.body),
  );

  app.post(
    `${base}/:id/close`,
    {
      config,
      preValidation: emptyBody,
      schema: {
        tags,
        operationId: 'closeAccessReview',
        summary: 'Close a campaign now: undecided items are revoked or kept per whenUndecided',
        params: IdParams,
        body: NoBody,
        response: {
          200: Type.Ref(AccessReview, { description: 'The campaign, closed' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...CONFLICT_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => accessReviews.close(requestContext(request), request.params.id),
  );

  app.get(
    `${base}/:id/report`,
    {
      config,
      schema: {
        tags,
        operationId: 'getAccessReviewReport',
        summary: 'The campaign and every item, as JSON or (Accept: text/csv) CSV, for an auditor',
        params: IdParams,
        response: {
          200: {
            description: 'The report',
            content: {
              'application/json': { schema: Type.Ref(AccessReviewReport) },
              'text/csv': {
                schema: Type.String({ description: 'RFC 4180; ACCESS_REVIEW_CSV_COLUMNS' }),
              },
            },
          },
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const ctx = requestContext(request);
      if (!wantsCsv(request.headers.accept)) {
        return reply
          .header('content-type', 'application/json; charset=utf-8')
          .send(await accessReviews.report(ctx, request.params.id));
      }
      const { filename, csv } = await accessReviews.reportCsv(ctx, request.params.id);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(csv);
    },
  );
}

/** Whether the Accept header asks for CSV (before, or instead of, JSON). */
function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase())
    .filter(Boolean);
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv !== -1 && (json === -1 || csv < json);
}
