import { SCIM_BASE, SCIM_MEDIA_TYPE } from '@patina/contract';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Policy } from '../config/schema.js';
import { scimClient, type ScimClient } from '../scim/client.js';
import { ScimError, scimErrorBody } from '../scim/errors.js';
import { toScimError } from '../scim/patina-errors.js';
import type { ScimQuery } from '../scim/resources.js';
import { resourceTypes, schemaResources, serviceProviderConfig } from '../scim/schemas.js';
import type { ScimService } from '../scim/service.js';
import type { ScimWriteResult } from '../scim/users.js';
import { readBearerToken } from './bearer-auth.js';
import { clientAddress, clientAddressKey } from './client-address.js';
import { classifyError } from './errors/classify.js';
import { logFault, prepareUnavailable } from './errors/shared.js';
import { rateLimitOptions, type SharedLimits } from './rate-limit.js';
import { safePath } from './safe-path.js';
import { redactCredentials } from '../core/redact.js';

/** What a SCIM request did, for its provisioning event (recorded when it has answered). */
interface Outcome {
  client?: ScimClient;
  resourceType?: 'User' | 'Group';
  resourceId?: string | null;
  externalId?: string | null;
  name?: string | null;
  message?: string;
}

const CONTENT_TYPE = `${SCIM_MEDIA_TYPE}; charset=utf-8`;
const HIDDEN = { schema: { hide: true } } as const;

/**
 * The SCIM 2.0 service provider at /scim/v2 (RFC 7644): its own authentication (scim/auth.ts),
 * the API's rate limit and body limit, SCIM error bodies, and an event per request for the
 * console (GET /patina/v1/scim/events).
 */
export async function registerScimRoutes(
  app: FastifyInstance,
  deps: {
    scim: ScimService;
    baseUrl: string;
    policy: Policy;
    sharedLimits?: SharedLimits | undefined;
  },
): Promise<void> {
  await app.register(
    async (scope) => {
      const outcomes = new WeakMap<FastifyRequest, Outcome>();
      const outcome = (request: FastifyRequest) => {
        let found = outcomes.get(request);
        if (!found) outcomes.set(request, (found = {}));
        return found;
      };
      const client = (request: FastifyRequest) => {
        const found = outcome(request).client;
        if (!found) throw new ScimError(401, 'A bearer token is required');
        return found;
      };

      // RFC 7644 §3.1: application/scim+json, and application/json, which clients also send.
      // Some send the header on every request, a DELETE or GET without a body too: an empty body
      // is no body (an operation that needs one says so), never a JSON syntax error.
      const json = scope.getDefaultJsonParser('error', 'error');
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser(
        [SCIM_MEDIA_TYPE, 'application/json'],
        { parseAs: 'string' },
        (request, body, done) => {
          if (body === '') {
            done(null, undefined);
            return;
          }
          void json(request, body as string, done);
        },
      );

      scope.addHook('onRequest', async (request) => {
        const token = readBearerToken(request.headers.authorization);
        if (!token) {
          throw new ScimError(
            401,
            request.headers.authorization
              ? 'The Authorization header is not a Bearer token'
              : 'A bearer token is required',
          );
        }
        const sourceIp = clientAddress(request);
        const caller = await deps.scim.auth.authenticate(token, sourceIp);
        const userAgent = request.headers['user-agent'];
        outcome(request).client = scimClient(
          { id: caller.identityId, name: caller.login },
          {
            sourceIp,
            userAgent: typeof userAgent === 'string' ? userAgent : null,
            trackingId: request.id,
          },
        );
      });
      await scope.register(
        rateLimit,
        rateLimitOptions(
          deps.policy,
          (request) => `scim:${outcomes.get(request)?.client?.id ?? clientAddressKey(request)}`,
          deps.sharedLimits,
        ),
      );

      scope.setErrorHandler((raw, request, reply) => {
        const error = toScimError(raw);
        if (error instanceof ScimError) {
          // A detail may quote what was sent: a secret pasted into the wrong place is masked.
          const detail = redactCredentials(error.detail);
          outcome(request).message = detail;
          if (error.status === 401) void reply.header('www-authenticate', 'Bearer realm="patina"');
          return sendScim(reply, error.status, scimErrorBody(error.status, detail, error.scimType));
        }
        const classified = classifyError(error);
        const send = (
          status: number,
          text: string,
          scimType?: 'invalidSyntax' | 'invalidValue',
        ) => {
          const detail = redactCredentials(text);
          outcome(request).message = detail;
          return sendScim(reply, status, scimErrorBody(status, detail, scimType));
        };
        switch (classified.kind) {
          case 'rate-limited':
            if (classified.retryAfterSeconds !== undefined) {
              void reply.header('retry-after', classified.retryAfterSeconds);
            }
            return send(429, 'Too many requests; retry after the time Retry-After gives');
          case 'unavailable':
            prepareUnavailable(request, reply, classified);
            return send(503, 'The service cannot reach its database right now; retry shortly');
          case 'body':
            switch (classified.problem) {
              case 'too-large':
                return send(413, 'The request body is larger than this server accepts');
              case 'unsupported-media-type':
                return send(415, `Send the body as ${SCIM_MEDIA_TYPE} or application/json`);
              case 'empty-json':
                return send(
                  400,
                  'The request body is empty; a JSON body is required',
                  'invalidSyntax',
                );
              default:
                return send(400, 'The request body is not valid JSON', 'invalidSyntax');
            }
          case 'bearer':
            void reply.header('www-authenticate', 'Bearer realm="patina"');
            return send(401, 'The bearer token is not valid');
          case 'domain':
            return send(400, classified.error.message, 'invalidValue');
          default:
            logFault(request, 'cause' in classified ? classified.cause : raw);
            return send(500, 'An internal fault occurred; quote the request id when reporting it');
        }
      });
      scope.setNotFoundHandler((request, reply) => {
        outcome(request).message = 'No such SCIM endpoint';
        return sendScim(
          reply,
          404,
          scimErrorBody(404, `No SCIM endpoint at ${request.method} ${safePath(request.url)}`),
        );
      });

      // The provisioning event, written as the answer goes out (so it is there once the directory
      // has its answer); a failure to record it is logged, never sent.
      scope.addHook('onSend', async (request, reply, payload) => {
        const found = outcomes.get(request);
        try {
          await deps.scim.recordEvent({
            method: request.method,
            path: safePath(request.url),
            status: reply.statusCode,
            resourceType: found?.resourceType ?? resourceTypeOf(request.url),
            resourceId: found?.resourceId ?? null,
            externalId: found?.externalId ?? null,
            name: found?.name ?? null,
            clientId: found?.client?.id ?? null,
            message: reply.statusCode >= 400 ? (found?.message ?? null) : null,
          });
        } catch (error) {
          request.log.warn({ err: error }, 'scim: the provisioning event was not recorded');
        }
        return payload;
      });

      const base = deps.baseUrl;
      scope.get('/ServiceProviderConfig', HIDDEN, (_request, reply) =>
        sendScim(reply, 200, serviceProviderConfig(base)),
      );
      scope.get('/ResourceTypes', HIDDEN, (_request, reply) =>
        sendScim(reply, 200, listOf(resourceTypes(base))),
      );
      scope.get<{ Params: { id: string } }>('/ResourceTypes/:id', HIDDEN, (request, reply) => {
        const found = resourceTypes(base).find((r) => r.id === request.params.id);
        if (!found) throw new ScimError(404, 'No such resource type');
        return sendScim(reply, 200, found);
      });
      scope.get('/Schemas', HIDDEN, (_request, reply) =>
        sendScim(reply, 200, listOf(schemaResources(base))),
      );
      scope.get<{ Params: { id: string } }>('/Schemas/:id', HIDDEN, (request, reply) => {
        const found = schemaResources(base).find((s) => s.id === request.params.id);
        if (!found) throw new ScimError(404, 'No such schema');
        return sendScim(reply, 200, found);
      });

      for (const [path, type, service] of [
        ['/Users', 'User', deps.scim.users],
        ['/Groups', 'Group', deps.scim.groups],
      ] as const) {
        const note = (
          request: FastifyRequest,
          result: { id?: string; externalId?: string | null; name?: string | null },
        ) => {
          Object.assign(outcome(request), {
            resourceType: type,
            resourceId: result.id ?? null,
            externalId: result.externalId ?? null,
            name: result.name ?? null,
          });
        };
        const created = (
          request: FastifyRequest,
          reply: FastifyReply,
          result: ScimWriteResult,
          status: number,
        ) => {
          note(request, result);
          void reply.header('etag', result.version);
          if (status === 201)
            void reply.header(
              'location',
              String((result.resource.meta as { location: string }).location),
            );
          return sendScim(reply, status, result.resource);
        };
        scope.post(path, HIDDEN, async (request, reply) => {
          // Known before the create succeeds, so a refused one's event says whom it was for.
          note(request, sentNames(request.body, type));
          return created(request, reply, await service.create(client(request), request.body), 201);
        });
        scope.get<{ Querystring: ScimQuery }>(path, HIDDEN, async (request, reply) => {
          outcome(request).resourceType = type;
          return sendScim(reply, 200, await service.list(client(request), request.query));
        });
        scope.get<{ Params: { id: string }; Querystring: ScimQuery }>(
          `${path}/:id`,
          HIDDEN,
          async (request, reply) => {
            note(request, { id: request.params.id });
            const { resource, version } = await service.get(
              client(request),
              request.params.id,
              request.query,
            );
            void reply.header('etag', version);
            // RFC 7644 §3.14: If-None-Match with the current version → 304.
            if (request.headers['if-none-match'] === version) return reply.code(304).send();
            return sendScim(reply, 200, resource);
          },
        );
        scope.put<{ Params: { id: string } }>(`${path}/:id`, HIDDEN, async (request, reply) => {
          note(request, { id: request.params.id });
          const result = await service.replace(
            client(request),
            request.params.id,
            request.body,
            ifMatch(request),
          );
          return created(request, reply, result, 200);
        });
        scope.patch<{ Params: { id: string } }>(`${path}/:id`, HIDDEN, async (request, reply) => {
          note(request, { id: request.params.id });
          const result = await service.patch(
            client(request),
            request.params.id,
            request.body,
            ifMatch(request),
          );
          return created(request, reply, result, 200);
        });
        scope.delete<{ Params: { id: string } }>(`${path}/:id`, HIDDEN, async (request, reply) => {
          note(request, { id: request.params.id });
          const gone = await service.delete(client(request), request.params.id, ifMatch(request));
          note(request, { id: request.params.id, ...gone });
          return reply.code(204).send();
        });
      }
    },
    { prefix: SCIM_BASE },
  );
}

/** externalId and userName (displayName of a Group) of a sent body, when they are strings. */
function sentNames(
  body: unknown,
  type: 'User' | 'Group',
): { externalId?: string | null; name?: string | null } {
  if (typeof body !== 'object' || body === null) return {};
  const sent = body as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    externalId: text(sent.externalId),
    name: text(type === 'User' ? sent.userName : sent.displayName),
  };
}

function ifMatch(request: FastifyRequest): string | undefined {
  const header = request.headers['if-match'];
  return typeof header === 'string' ? header : undefined;
}

function resourceTypeOf(url: string): 'User' | 'Group' | null {
  const path = url.split('?')[0] ?? '';
  if (path.startsWith(`${SCIM_BASE}/Users`)) return 'User';
  if (path.startsWith(`${SCIM_BASE}/Groups`)) return 'Group';
  return null;
}

function listOf(resources: object[]) {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: resources.length,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

/** SCIM answers are application/scim+json (RFC 7644 §3.1), serialised here. */
function sendScim(reply: FastifyReply, status: number, body: unknown) {
  return reply.code(status).header('content-type', CONTENT_TYPE).send(JSON.stringify(body));
}
