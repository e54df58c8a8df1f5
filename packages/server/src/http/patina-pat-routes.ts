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
  RotatePatRequest,
  ADMIN_BASE,
} from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Offboarding } from '../pats/offboarding.js';
import type { PatinaPersonalAccessToken, PersonalAccessToken } from '../pats/model.js';
import type { PatPresentation } from '../pats/pat-presentation.js';
import type { PatService } from '../pats/pat-service.js';
import type { PatRotation } from '../pats/rotation.js';
import { registerDeleteRoute } from './delete-route.js';
import { MERGE_PATCH_TYPES, requireMediaType } from './media-type.js';
import { pageItems, pageOf } from './paged-list.js';
import { PAT_DELETED, toGetResponse } from './pat-routes.js';
import { requestContext } from './request-context.js';

/** Patina's own PAT resource: SailPoint's fields and Patina's (docs/rules.md, "Lifecycle"). */
export const PATINA_PATS = `${ADMIN_BASE}/personal-access-tokens`;

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
          ...BODY_ERROR_RESPONSES,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { pat, secret } = await pats.createOwn(requestContext(request), request.body, 'patina');
      return { ...(await withWarnings(pat)), secret };
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
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) =>
      withWarnings(await pats.mergePatch(requestContext(request), request.params.id, request.body)),
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
