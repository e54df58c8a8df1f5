import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import {
  expectSailPointError,
  PAT_SURFACES,
  startTestApp,
  UNKNOWN_ID,
  type TestApp,
} from '../helpers.js';

interface Response {
  description: string;
  headers?: Record<string, { description?: string; schema: unknown }>;
  content?: Record<string, { schema: unknown }>;
}
interface Operation {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, Response>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
    securitySchemes: Record<string, unknown>;
  };
}

const METHODS_WITH_BODY = new Set(['post', 'put', 'patch', 'delete']);

/**
 * The error statuses of the operations without a bearer token, written out: an OAuth endpoint
 * answers RFC 6749 errors (a body it cannot read is `invalid_request`, a 400, never 413 or 415),
 * the public endpoints answer nothing but what is listed.
 */
const OAUTH_ERRORS = ['400', '401', '413', '429', '500', '503'];
const PUBLIC_ERRORS: Record<string, string[]> = {
  '/health': [],
  '/ready': ['503'],
  '/oauth/info': [],
  '/.well-known/oauth-authorization-server': [],
  '/.well-known/jwks.json': [],
  '/oauth/token': OAUTH_ERRORS,
  '/oauth/introspect': OAUTH_ERRORS,
  '/oauth/revoke': OAUTH_ERRORS,
};

/**
 * The error statuses an API operation can answer: the bearer hook's 401, the 403 of a missing
 * right, the rate limit's 429, a fault's 500 and an outage's 503 on every one; 400, 413 and 415
 * where the method carries a body (Fastify reads one on POST, PATCH and DELETE); 400 where the
 * query string is validated; 404 where the path names a resource.
 */
/** The governance actions that answer 409 when someone else decided first. */
const STATE_CHANGES = /\/(approve|deny|secret|decision|close)$/;

function apiErrors(path: string, method: string, operation: Operation): string[] {
  const statuses = new Set(['401', '403', '429', '500', '503']);
  if (METHODS_WITH_BODY.has(method)) for (const s of ['400', '413', '415']) statuses.add(s);
  if (operation.parameters?.some((p) => p.in === 'query')) statuses.add('400');
  if (path.includes('{id}')) statuses.add('404');
  // A decision, a one-time fetch or a close may find the resource moved on (docs/governance.md).
  if (STATE_CHANGES.test(path)) statuses.add('409');
  return [...statuses].sort();
}

/**
 * The document and its operations, each with whether the bearer hook guards it: found by asking
 * the operation without a token, so the document is held to what the app does.
 */
async function documented(t: TestApp) {
  const res = await t.request({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  const doc = res.json<OpenApiDocument>();
  const listed = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({
      path,
      method,
      operation,
      url: path.replace('{id}', UNKNOWN_ID),
    })),
  );
  const operations = [];
  for (const entry of listed) {
    const anonymous = await t.request({ method: entry.method.toUpperCase(), url: entry.url });
    const isApi =
      anonymous.statusCode === 401 && anonymous.body === '{"error":"A Bearer token is required"}';
    operations.push({ ...entry, isApi, anonymous });
  }
  return { doc, operations };
}

const errorStatuses = (operation: Operation) =>
  Object.keys(operation.responses)
    .filter((status) => Number(status) >= 400)
    .sort();

describe('GET /openapi.json: a document a client can be generated from', () => {
  it('is a valid OpenAPI 3.1 document whose every $ref resolves', async () => {
    const t = await startTestApp();
    const { doc } = await documented(t);
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('lists every error status each operation can answer, and no other', async () => {
    const t = await startTestApp();
    const { operations } = await documented(t);
    expect(operations.length).toBeGreaterThan(30);
    const seen = new Set<string>();
    for (const { path, method, operation, isApi } of operations) {
      // Public operations this file does not know belong to their own routes' tests.
      const expected = isApi ? apiErrors(path, method, operation) : PUBLIC_ERRORS[path];
      if (expected === undefined) continue;
      if (!isApi) seen.add(path);
      expect(errorStatuses(operation), `${method} ${path}`).toEqual(expected);
    }
    expect([...seen].sort()).toEqual(Object.keys(PUBLIC_ERRORS).sort());
  });

  it('describes every response, and the headers that come with 401, 403, 429 and 503', async () => {
    const t = await startTestApp();
    const { operations } = await documented(t);
    for (const { path, method, operation, isApi } of operations) {
      const known = isApi || path in PUBLIC_ERRORS;
      for (const [status, response] of Object.entries(operation.responses)) {
        const where = `${method} ${path} ${status}`;
        expect(response.description, where).toMatch(/\w{3}/);
        expect(response.description, where).not.toBe('Default Response');
        if (known && (status === '429' || status === '503')) {
          expect(Object.keys(response.headers ?? {}), where).toContain('retry-after');
        }
        if (isApi && (status === '401' || status === '403')) {
          expect(Object.keys(response.headers ?? {}), where).toEqual(['www-authenticate']);
        }
      }
    }
  });

  it('requires the bearer token on exactly the operations the bearer hook guards', async () => {
    const t = await startTestApp();
    const { doc, operations } = await documented(t);
    expect(doc.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    const api = operations.filter((o) => o.isApi);
    // Every PAT surface, the admin API: the hook guards them, and their documents say so.
    expect(api.length).toBeGreaterThanOrEqual(6 * 4 + 8);
    for (const { path, method, operation, isApi, anonymous } of operations) {
      const where = `${method} ${path}`;
      if (isApi) {
        expect(operation.security, where).toEqual([{ bearer: [] }]);
        expect(anonymous.headers['www-authenticate'], where).toBe('Bearer realm="patina"');
      } else {
        expect(operation.security, where).toBeUndefined();
      }
    }
    for (const path of Object.keys(PUBLIC_ERRORS)) {
      expect(
        operations.some((o) => o.path === path && !o.isApi),
        path,
      ).toBe(true);
    }
  });

  it('answers the 400, 413 and 415 it documents for bodies and query strings', async () => {
    const t = await startTestApp({ config: { bodyLimitBytes: 1024 } });
    const { operations } = await documented(t);
    for (const { path, method, operation, isApi, url } of operations) {
      if (!isApi) continue;
      const where = `${method} ${path}`;
      const send = (headers: Record<string, string>, payload: string, query = '') =>
        t.request({
          method: method.toUpperCase(),
          url: `${url}${query}`,
          token: t.admin.token,
          headers,
          payload,
        });
      if (METHODS_WITH_BODY.has(method)) {
        const xml = await send({ 'content-type': 'application/xml' }, '<x/>');
        expectSailPointError(xml, 415, '415 Unsupported Media Type', /Content-Type/);
        const big = await send({ 'content-type': 'application/json' }, 'x'.repeat(2048));
        expectSailPointError(big, 413, '413 Payload Too Large', /larger/);
        const broken = await send({ 'content-type': 'application/json' }, '{"half');
        expectSailPointError(broken, 400, '400.1 Bad Request Content', /not valid JSON/);
      }
      if (operation.parameters?.some((p) => p.in === 'query')) {
        const res = await send({}, '', '?limit=-1');
        expect(res.statusCode, `${where} ${res.body}`).toBe(400);
      }
    }
  });

  it('documents the media types each body is read in', async () => {
    const t = await startTestApp();
    const { doc, operations } = await documented(t);
    const mediaTypes = (path: string, method: string) =>
      Object.keys(doc.paths[path]?.[method]?.requestBody?.content ?? {});
    for (const { path, method, isApi } of operations) {
      if (!isApi && !(path in PUBLIC_ERRORS)) continue;
      const where = `${method} ${path}`;
      if (method === 'patch' && PAT_SURFACES.some((base) => path === `${base}/{id}`)) {
        // RFC 6902 JSON Patch, as SailPoint's clients send it; plain JSON is taken too.
        expect(mediaTypes(path, method), where).toEqual([
          'application/json-patch+json',
          'application/json',
        ]);
      } else if (method === 'patch') {
        // RFC 7396 merge patch.
        expect(mediaTypes(path, method), where).toEqual([
          'application/merge-patch+json',
          'application/json',
        ]);
      } else if (path.startsWith('/oauth/') && method === 'post') {
        expect(mediaTypes(path, method), where).toEqual([
          'application/x-www-form-urlencoded',
          'multipart/form-data',
        ]);
      } else if (method === 'post') {
        expect(mediaTypes(path, method), where).toEqual(['application/json']);
      } else {
        expect(mediaTypes(path, method), where).toEqual([]);
      }
    }
  });

  it('documents the parameters of the OAuth endpoints as form bodies', async () => {
    const t = await startTestApp();
    const { doc } = await documented(t);
    const bodies = {
      '/oauth/token': 'TokenRequest',
      '/oauth/introspect': 'IntrospectionRequest',
      '/oauth/revoke': 'RevocationRequest',
    };
    for (const [path, schema] of Object.entries(bodies)) {
      const content = doc.paths[path]?.post?.requestBody?.content ?? {};
      for (const media of ['application/x-www-form-urlencoded', 'multipart/form-data']) {
        expect(content[media]?.schema, `${path} ${media}`).toEqual({
          $ref: `#/components/schemas/${schema}`,
        });
      }
    }
    const { schemas } = doc.components;
    expect(Object.keys(schemas.TokenRequest?.properties ?? {}).sort()).toEqual([
      'actor_token',
      'actor_token_type',
      'assertion',
      'client_id',
      'client_secret',
      'grant_type',
      'requested_token_type',
      'resource',
      'scope',
      'subject_token',
      'subject_token_type',
    ]);
    expect(schemas.TokenRequest?.required).toEqual(['grant_type']);
    for (const name of ['IntrospectionRequest', 'RevocationRequest']) {
      expect(Object.keys(schemas[name]?.properties ?? {}).sort(), name).toEqual([
        'client_id',
        'client_secret',
        'token',
        'token_type_hint',
      ]);
      expect(schemas[name]?.required, name).toEqual(['token']);
    }
  });

  it('does not validate OAuth bodies against the documented schema: the endpoints read them', async () => {
    const t = await startTestApp();
    // A grant type the schema does not allow is the endpoint's own RFC 6749 answer, not a
    // validation error.
    const password = await t.exchange(t.admin.patId, t.admin.secret, { grant_type: 'password' });
    expect(password.statusCode).toBe(400);
    expect(password.json()).toEqual({
      error: 'unsupported_grant_type',
      error_description:
        'Supported grant types: client_credentials, urn:ietf:params:oauth:grant-type:token-exchange, urn:ietf:params:oauth:grant-type:jwt-bearer',
    });
    // No body at all: the parameters in the query string, as SailPoint's CLI sends them.
    const query = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: t.admin.patId,
      client_secret: t.admin.secret,
    });
    const fromQuery = await t.app.inject({ method: 'POST', url: `/oauth/token?${query}` });
    expect(fromQuery.statusCode, fromQuery.body).toBe(200);
    // A body the endpoints cannot read is invalid_request (400), as documented; not 415.
    for (const path of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) {
      const json = await t.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      });
      expect(json.statusCode, path).toBe(400);
      expect(json.json(), path).toEqual({
        error: 'invalid_request',
        error_description:
          'The body must be application/x-www-form-urlencoded or multipart/form-data',
      });
    }
  });
});
