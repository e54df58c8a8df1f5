import type { SwaggerTransform } from '@fastify/swagger';
import type { TSchema } from '@sinclair/typebox';

/** The bodies the OAuth endpoints read (RFC 6749 §4.4.2; multipart for SailPoint's SDK). */
export const OAUTH_BODY_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * An OAuth endpoint's parameters, for the OpenAPI document only. The route reads them itself
 * (readOAuthParams) from the body, the query string and HTTP Basic, and answers a bad one with
 * RFC 6749's `invalid_request`; a body schema Fastify validated would refuse parameters sent in
 * the query string and answer in another format. So the schema is added where the document is
 * made (a route's `swaggerTransform`), and Fastify never sees it.
 */
export function documentedFormBody(body: TSchema): SwaggerTransform {
  return ({ schema, url }) => ({ schema: { ...schema, body, consumes: OAUTH_BODY_TYPES }, url });
}
