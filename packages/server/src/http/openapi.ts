import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';

/** The name of the bearer security scheme in the document's components. */
const BEARER_SCHEME = 'bearer';

/** The options of @fastify/swagger: the document `GET /openapi.json` serves. */
export function openApiOptions(baseUrl: string): FastifyDynamicSwaggerOptions {
  return {
    // Components are named by their $id, so the document reads `#/components/schemas/Identity`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Patina',
        version: '0.1.0',
        description:
          'Self-hosted personal access tokens, wire-compatible with the SailPoint Identity Security Cloud PAT API.',
      },
      servers: [{ url: baseUrl }],
      components: {
        securitySchemes: {
          [BEARER_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An access token from POST /oauth/token (RFC 6750 §2.1)',
          },
        },
      },
    },
  };
}

/**
 * onRoute hook of the scope the bearer hook guards: each of its operations states the bearer
 * requirement in the document. Put beside the hook, the document cannot forget a route the
 * hook guards, nor claim one it does not.
 */
export function documentBearerSecurity(route: RouteOptions): void {
  route.schema = { ...route.schema, security: [{ [BEARER_SCHEME]: [] }] };
}
