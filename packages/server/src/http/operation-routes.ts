import { HealthResponse, ReadyResponse } from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

const tags = ['Operations'];

/** For load balancers and operators: liveness, readiness, and the OpenAPI document itself. */
export function registerOperationRoutes(
  app: FastifyInstance,
  deps: { ping: () => Promise<void> },
): void {
  app.get(
    '/health',
    {
      schema: {
        tags,
        operationId: 'health',
        summary: 'Is the process up',
        description: 'About the process only: it answers 200 while the database is away too.',
        response: { 200: Type.Ref(HealthResponse, { description: 'The process is up' }) },
      },
    },
    () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags,
        operationId: 'ready',
        summary: 'Can this node serve requests',
        description:
          'For load balancers: 200 when this node can reach its database, 503 when it cannot.',
        response: {
          200: Type.Ref(ReadyResponse, { description: 'Ready: the database answers' }),
          503: Type.Ref(ReadyResponse, {
            description: 'Not ready: the database cannot be reached; retry after Retry-After',
            headers: {
              'retry-after': Type.Integer({ description: 'Seconds until a retry may succeed' }),
            },
          }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await deps.ping();
        return { status: 'ready', database: 'up' };
      } catch {
        return reply.code(503).header('retry-after', 1).send({
          status: 'unavailable',
          database: 'down',
        });
      }
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
