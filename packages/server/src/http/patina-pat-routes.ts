import {
  API_ERROR_RESPONSES,
  BODY_ERROR_RESPONSES,
  IdParams,
  NOT_FOUND_RESPONSE,
  OffboardRequest,
  OffboardResponse,
  PatinaCreatePatRequest,
  PatinaCreatePatResponse,
  PatinaListPatsQuery,
  PatinaPat,
  PatinaPatMergePatch,
  PatUsageQuery,
  PatUsageResponse,
  RotatePatRequest,
  ADMIN_BASE,
  PATINA_PATS_PATH,
  PendingPatResponse,
} from '@patina/contract';
import type { PatRequestRecord } from '../storage/pat-requests-repository.js';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Offboarding } from '../pats/offboarding.js';
import type { PatinaPersonalAccessToken, PersonalAccessToken } from '../pats/model.js';
import type { PatPresentation } from '../pats/pat-presentation.js';
import type { PatService } from '../pats/pat-service.js';
import type { PatRotation } from '../pats/rotation.js';
import type { PatUsageHistory } from '../pats/usage-history.js';
import { registerDeleteRoute } from './delete-route.js';
import { MERGE_PATCH_TYPES, requireMediaType } from './media-type.js';
import { pageItems, pageOf } from './paged-list.js';
import { PAT_DELETED, toGetResponse } from './pat-routes.js';
import { requestContext } from './request-context.js';

/** Patina's own PAT resource: SailPoint's fields and Patina's (docs/rules.md, "Lifecycle"). */
export const PATINA_PATS = PATINA_PATS_PATH;

/** The usage history's window when `days` is not given (the contract's default). */
const PAT_USAGE_DEFAULT_DAYS = 30;

const BAD_REQUEST = {
  400: Type.Ref('ErrorResponse', { description: 'The message names the field' }),
};

export function toPatinaResponse(pat: PatinaPersonalAccessToken) {
  return {
    ...toGetResponse(pat),
    description: pat.description,
    allowedCidrs: pat.allowedCidrs,
    requireDpop: pat.requireDpop,
    status: pat.status,
    lastUsedFrom: pat.lastUsedFrom,
    rotatedAt: pat.rotatedAt,
    previousSecretValidUntil: pat.previousSecretValidUntil,
  };
}

/**
 * The Patina PAT resource under the admin base, its rotation, and offboarding. The rights are
 * SailPoint's PAT rights, checked in the services; a route only reads and writes the wire.
 */
export function registerPatinaPatRoutes(
  parent: FastifyInstance,
  deps: {
    pats: PatService;
    presentation: PatPresentation;
    rotation: PatRotation;
    offboarding: Offboarding;
    usage: PatUsageHistory;
    /** The answer of a create or change held for approval. */
    pending: (request: PatRequestRecord) => Promise<PendingPatResponse>;
  },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { pats, presentation } = deps;
  const config = { surface: 'admin' };
  const tags = ['Personal access tokens (Patina)'];
  const one = async (pat: PersonalAccessToken) =>
    toPatinaResponse((await presentation.describe([pat]))[0]!);
  // A create or change answer says what the caller should know (docs/rules.md, "Granted scopes").
  const withWarnings = async (pat: PersonalAccessToken) => {
    const warnings = await presentation.warningsFor(pat);
    return { ...(await one(pat)), ...(warnings.length > 0 && { warnings }) };
  };

  app.get(
    PATINA_PATS,
    {
      config,
      schema: {
        tags,
        operationId: 'listPatinaPersonalAccessTokens',
        summary: "List personal access tokens with Patina's fields",
        description:
          'The rights, paging, count and sorters of the SailPoint list; filters over more fields.',
        querystring: PatinaListPatsQuery,
        response: {
          200: Type.Array(Type.Ref(PatinaPat), {
            description: 'The page of personal access tokens asked for',
          }),
          ...BAD_REQUEST,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const page = await pats.list(requestContext(request), {
        surface: 'patina',
        ownerId: q['owner-id'],
        filters: q.filters,
        sorters: q.sorters,
        ...pageOf(q),
      });
      return (await presentation.describe(pageItems(reply, page))).map(toPatinaResponse);
    },
  );

  app.get(
    `${PATINA_PATS}/:id`,
    {
      config,
      schema: {
        tags,
        operationId: 'getPatinaPersonalAccessToken',
        summary: 'Get one personal access token',
        params: IdParams,
        response: {
          200: Type.Ref(PatinaPat, { description: 'The personal access token' }),
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => one(await pats.get(requestContext(request), request.params.id)),
  );

  app.get(
    `${PATINA_PATS}/:id/usage`,
    {
      config,
      schema: {
        tags,
        operationId: 'getPatinaPersonalAccessTokenUsage',
        summary: 'Exchanges of one personal access token per UTC day',
        description:
          'Successful and refused exchanges per UTC day for the last `days` days (today included), oldest first, days without exchanges as zeros; kept for accessReviews.usageHistoryDays and a few seconds behind at most. Readable by whoever may read the PAT.',
        params: IdParams,
        querystring: PatUsageQuery,
        response: {
          200: Type.Ref(PatUsageResponse, { description: 'The usage history' }),
          ...BAD_REQUEST,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      // The read access of GET one PAT (its 404 and 403), then the counts.
      const pat = await pats.get(requestContext(request), request.params.id);
      return deps.usage.forPat(pat.id, { days: request.query.days ?? PAT_USAGE_DEFAULT_DAYS });
    },
  );

  app.post(
    PATINA_PATS,
    {
      config,
      schema: {
        tags,
        operationId: 'createPatinaPersonalAccessToken',
        summary: 'Create a personal access token for the caller, with description and allowedCidrs',
        description:
          'Answers 200, as the SailPoint create does; an absent expirationDate is created + policy.maxLifetimeMonths (or a binding policy rule). The secret appears only here.',
        body: Type.Ref(PatinaCreatePatRequest),
        response: {
          200: Type.Ref(PatinaCreatePatResponse, {
            description: 'The new personal access token, with its secret (shown only here)',
          }),
          202: Type.Ref(PendingPatResponse, {
            description:
              'A scope needs approval (approval.rules): nothing is made yet; the request is PENDING',
          }),
          ...BODY_ERROR_RESPONSES,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const made = await pats.createOrRequest(requestContext(request), request.body);
      if ('pending' in made) return reply.code(202).send(await deps.pending(made.pending));
      return { ...(await withWarnings(made.pat)), secret: made.secret };
    },
  );

  app.patch(
    `${PATINA_PATS}/:id`,
    {
      config,
      preValidation: requireMediaType(...MERGE_PATCH_TYPES),
      schema: {
        tags,
        operationId: 'updatePatinaPersonalAccessToken',
        summary:
          'Change name, scope, description, allowedCidrs or expiry (application/merge-patch+json)',
        params: IdParams,
        consumes: MERGE_PATCH_TYPES,
        body: Type.Ref(PatinaPatMergePatch),
        response: {
          200: Type.Ref(PatinaPat, { description: 'The personal access token as changed' }),
          202: Type.Ref(PendingPatResponse, {
            description:
              'An added scope needs approval (approval.rules): nothing changed yet; the request is PENDING',
          }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const changed = await pats.mergePatch(
        requestContext(request),
        request.params.id,
        request.body,
      );
      if ('pending' in changed) return reply.code(202).send(await deps.pending(changed.pending));
      return withWarnings(changed);
    },
  );

  registerDeleteRoute(app, {
    url: PATINA_PATS,
    config,
    tags,
    operationId: 'deletePatinaPersonalAccessToken',
    summary: 'Delete a personal access token',
    deleted: PAT_DELETED,
    remove: (context, id) => pats.delete(context, id),
  });

  app.post(
    `${PATINA_PATS}/:id/rotate`,
    {
      config,
      schema: {
        tags,
        operationId: 'rotatePersonalAccessToken',
        summary: 'A new secret for the same PAT; the old one works on for the grace window',
        description:
          'Own PAT with my-manage, another’s with all-manage; a token minted from the PAT itself needs my-manage too. Rotating again ends an earlier grace window at once.',
        params: IdParams,
        body: Type.Ref(RotatePatRequest),
        response: {
          200: Type.Ref(PatinaCreatePatResponse, {
            description:
              'The personal access token with its new secret (shown only here) and previousSecretValidUntil',
          }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { pat, secret } = await deps.rotation.rotate(
        requestContext(request),
        request.params.id,
        { gracePeriodSeconds: request.body.gracePeriodSeconds ?? 0 },
      );
      return { ...(await one(pat)), secret };
    },
  );

  app.post(
    `${ADMIN_BASE}/identities/:id/offboard`,
    {
      config,
      schema: {
        tags: ['Administration'],
        operationId: 'offboardIdentity',
        summary: 'Revoke every PAT of an identity and disable it, in one transaction',
        description: 'With dryRun, changes nothing and answers what it would do. Needs all-manage.',
        params: IdParams,
        body: Type.Ref(OffboardRequest),
        response: {
          200: Type.Ref(OffboardResponse, { description: 'What was (or would be) done' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) =>
      deps.offboarding.offboard(requestContext(request), request.params.id, {
        dryRun: request.body.dryRun ?? false,
        disable: request.body.disable ?? true,
      }),
  );
}
