import {
  type ApiVersion,
  API_ERROR_RESPONSES,
  BODY_ERROR_RESPONSES,
  CreatePatRequest,
  CreatePatResponse,
  GetPatResponse,
  IdParams,
  JsonPatch,
  ListPatsQuery,
  NOT_FOUND_RESPONSE,
  patOwner,
} from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PersonalAccessToken } from '../pats/model.js';
import type { PatService } from '../pats/pat-service.js';
import { registerDeleteRoute } from './delete-route.js';
import { requireMediaType } from './media-type.js';
import { pageItems, pageOf, pagedListResponses } from './paged-list.js';
import { requestContext } from './request-context.js';

/** SailPoint's clients send application/json-patch+json (RFC 6902); plain JSON is taken too. */
const JSON_PATCH_TYPES = ['application/json-patch+json', 'application/json'];

/** The 204 of deleting a PAT, on every surface. */
export const PAT_DELETED = 'Deleted; its access tokens stop working at once';

export function toGetResponse(pat: PersonalAccessToken) {
  return {
    id: pat.id,
    name: pat.name,
    scope: pat.scope,
    owner: patOwner(pat),
    created: pat.created,
    lastUsed: pat.lastUsed,
    managed: pat.managed,
    accessTokenValiditySeconds: pat.accessTokenValiditySeconds,
    expirationDate: pat.expirationDate,
    userAwareTokenNeverExpires: pat.userAwareTokenNeverExpires,
  };
}

export function toCreateResponse(pat: PersonalAccessToken, secret: string) {
  return {
    id: pat.id,
    secret,
    scope: pat.scope,
    name: pat.name,
    owner: patOwner(pat),
    created: pat.created,
    accessTokenValiditySeconds: pat.accessTokenValiditySeconds,
    expirationDate: pat.expirationDate,
  };
}

export function registerPatRoutes(
  parent: FastifyInstance,
  options: { pats: PatService; version: ApiVersion; path: string },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { pats, version, path } = options;
  const tags = [`Personal access tokens (${version})`];
  const config = { surface: version };

  app.get(
    path,
    {
      config,
      schema: {
        tags,
        operationId: `listPersonalAccessTokens_${version}`,
        summary: 'List personal access tokens',
        querystring: ListPatsQuery,
        response: {
          ...pagedListResponses(GetPatResponse, 'The page of personal access tokens asked for'),
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const page = await pats.list(requestContext(request), {
        ownerId: q['owner-id'],
        filters: q.filters,
        sorters: q.sorters,
        ...pageOf(q),
      });
      return pageItems(reply, page).map(toGetResponse);
    },
  );

  app.post(
    path,
    {
      config,
      schema: {
        tags,
        operationId: `createPersonalAccessToken_${version}`,
        summary: 'Create a personal access token for the caller',
        description: 'Answers 200 (not 201), as SailPoint does. The secret appears only here.',
        body: Type.Ref(CreatePatRequest),
        response: {
          200: Type.Ref(CreatePatResponse, {
            description: 'The new personal access token, with its secret (shown only here)',
          }),
          ...BODY_ERROR_RESPONSES,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { pat, secret } = await pats.createOwn(requestContext(request), request.body, version);
      return toCreateResponse(pat, secret);
    },
  );

  app.patch(
    `${path}/:id`,
    {
      config,
      preValidation: requireMediaType(...JSON_PATCH_TYPES),
      schema: {
        tags,
        operationId: `patchPersonalAccessToken_${version}`,
        summary: 'Change name, scope or expiry (application/json-patch+json)',
        params: IdParams,
        consumes: JSON_PATCH_TYPES,
        body: JsonPatch,
        response: {
          200: Type.Ref(GetPatResponse, { description: 'The personal access token as changed' }),
          ...BODY_ERROR_RESPONSES,
          ...NOT_FOUND_RESPONSE,
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const pat = await pats.patch(
        requestContext(request),
        request.params.id,
        request.body,
        version,
      );
      return toGetResponse(pat);
    },
  );

  registerDeleteRoute(app, {
    url: path,
    config,
    tags,
    operationId: `deletePersonalAccessToken_${version}`,
    summary: 'Delete a personal access token',
    deleted: PAT_DELETED,
    remove: (context, id) => pats.delete(context, id),
  });
}
