import {
  AddSubjectRequest,
  CreateStreamRequest,
  PollRequest,
  PollResponse,
  RemoveSubjectRequest,
  RequiredStreamIdQuery,
  SSF_PATHS,
  SsfConfiguration,
  StreamConfiguration,
  StreamIdQuery,
  StreamStatus,
  UpdateStreamRequest,
  UpdateStreamStatusRequest,
  VerificationRequest,
} from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { StreamService } from '../ssf/stream-service.js';
import type { SsfPoller } from '../ssf/poller.js';
import type { SigningKeys } from '../tokens/signing-keys.js';
import { requestContext } from './request-context.js';

/**
 * The Shared Signals endpoints are described by the SSF 1.0 specification and RFC 8936, whose
 * receivers are written against those texts; they are kept out of Patina's OpenAPI document
 * (docs/decisions.md, "Shared Signals").
 */
const hide = true;
const JWKS_MAX_AGE_SECONDS = 60;
/** Fastify reads `:` as the start of a path parameter; `::` is a literal colon. */
const route = (path: string) => path.replace(/:/g, '::');

/** Discovery and keys: public, as a receiver needs them before it has a stream. */
export function registerSsfPublicRoutes(
  parent: FastifyInstance,
  deps: { streams: StreamService; keys: SigningKeys; poller: SsfPoller },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(SSF_PATHS.configuration, { schema: { hide, response: { 200: SsfConfiguration } } }, () =>
    deps.streams.configuration(),
  );
  app.get(SSF_PATHS.jwks, { schema: { hide } }, (_request, reply) =>
    reply
      .header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
      .send({ keys: deps.keys.published().map((key) => key.publicJwk) }),
  );
  // A long poll must not hold a node's shutdown for its 30 seconds.
  app.addHook('preClose', (done) => {
    deps.poller.close();
    done();
  });
}

/** Stream management and poll delivery: a bearer token with ssf.manage or ssf.read. */
export function registerSsfRoutes(parent: FastifyInstance, deps: { streams: StreamService }): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const config = { surface: 'ssf' };
  const streams = deps.streams;

  app.post(
    SSF_PATHS.streams,
    { config, schema: { hide, body: CreateStreamRequest, response: { 201: StreamConfiguration } } },
    async (request, reply) =>
      reply.code(201).send(await streams.create(requestContext(request), request.body ?? {})),
  );
  app.get(
    SSF_PATHS.streams,
    {
      config,
      schema: {
        hide,
        querystring: StreamIdQuery,
        response: { 200: Type.Union([StreamConfiguration, Type.Array(StreamConfiguration)]) },
      },
    },
    (request) => streams.read(requestContext(request), request.query.stream_id),
  );
  app.patch(
    SSF_PATHS.streams,
    { config, schema: { hide, body: UpdateStreamRequest, response: { 200: StreamConfiguration } } },
    (request) => streams.update(requestContext(request), request.body, 'update'),
  );
  app.put(
    SSF_PATHS.streams,
    { config, schema: { hide, body: UpdateStreamRequest, response: { 200: StreamConfiguration } } },
    (request) => streams.update(requestContext(request), request.body, 'replace'),
  );
  app.delete(
    SSF_PATHS.streams,
    { config, schema: { hide, querystring: RequiredStreamIdQuery } },
    async (request, reply) => {
      await streams.delete(requestContext(request), request.query.stream_id);
      return reply.code(204).send();
    },
  );
  app.get(
    SSF_PATHS.status,
    {
      config,
      schema: { hide, querystring: RequiredStreamIdQuery, response: { 200: StreamStatus } },
    },
    (request) => streams.status(requestContext(request), request.query.stream_id),
  );
  app.post(
    SSF_PATHS.status,
    { config, schema: { hide, body: UpdateStreamStatusRequest, response: { 200: StreamStatus } } },
    (request) => streams.setStatus(requestContext(request), request.body),
  );
  app.post(
    SSF_PATHS.verify,
    { config, schema: { hide, body: VerificationRequest } },
    async (request, reply) => {
      await streams.verify(requestContext(request), request.body);
      return reply.code(204).send();
    },
  );
  app.post(
    route(SSF_PATHS.addSubject),
    { config, schema: { hide, body: AddSubjectRequest } },
    async (request, reply) => {
      await streams.addSubject(requestContext(request), request.body);
      return reply.code(200).send();
    },
  );
  app.post(
    route(SSF_PATHS.removeSubject),
    { config, schema: { hide, body: RemoveSubjectRequest } },
    async (request, reply) => {
      await streams.removeSubject(requestContext(request), request.body);
      return reply.code(204).send();
    },
  );
  app.post(
    `${SSF_PATHS.poll}/:streamId`,
    {
      config,
      schema: {
        hide,
        params: Type.Object({ streamId: Type.String({ maxLength: 64 }) }),
        body: Type.Optional(PollRequest),
        response: { 200: PollResponse },
      },
    },
    (request, reply) =>
      streams.poll(
        requestContext(request),
        request.params.streamId,
        request.body ?? {},
        abortedWith(reply),
      ),
  );
}

/**
 * Aborted when the receiver hangs up, so a long poll stops waiting for nobody: the response's
 * `close` comes before it is sent only when the connection is gone.
 */
function abortedWith(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return controller.signal;
}
