import { describe, expect, it } from 'vitest';
import { expectRefused, PAT_SURFACES, startTestApp } from '../helpers.js';

interface JsonSchema {
  type?: string;
  additionalProperties?: boolean;
  required?: string[];
  properties?: Record<string, unknown>;
}
interface Operation {
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, unknown>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

async function openApi() {
  const t = await startTestApp({ config: { policy: { allowNeverExpiring: true } } });
  const res = await t.request({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  return { t, doc: res.json<OpenApiDocument>() };
}

/**
 * One valid value for every field a create request may carry. A field added to the schema
 * without a value here fails the drift test below, and so does a field listed here that the
 * schema does not document.
 */
const CREATE_SAMPLES: Record<string, unknown> = {
  name: 'drift check',
  scope: ['orders:read'],
  accessTokenValiditySeconds: 900,
  expirationDate: '2026-02-01T00:00:00.000Z',
  userAwareTokenNeverExpires: true,
};

describe('operational endpoints', () => {
  it('GET /health answers 200 {status: ok} without authentication', async () => {
    const t = await startTestApp();
    const res = await t.request({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready answers 200 while the database answers and 503 once it cannot', async () => {
    const t = await startTestApp();
    const ready = await t.request({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', database: 'up' });
    // The database goes away under the running app (the PostgreSQL outage tests cut a real
    // connection; this is the same answer on every dialect).
    await t.storage.db.destroy();
    const down = await t.request({ method: 'GET', url: '/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('1');
    expect(down.json()).toEqual({ status: 'unavailable', database: 'down' });
    // /health is about the process, not the database: it still answers.
    expect((await t.request({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with every PAT surface, the token endpoint and the admin API', async () => {
    const { doc } = await openApi();
    expect(doc.openapi).toBe('3.1.0');
    const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
    for (const base of PAT_SURFACES) {
      expect(methods(base), base).toEqual(['get', 'post']);
      expect(methods(`${base}/{id}`), `${base}/{id}`).toEqual(['delete', 'patch']);
      // Every surface documents the same create body.
      expect(doc.paths[base]?.post?.requestBody?.content['application/json']?.schema).toEqual({
        $ref: '#/components/schemas/CreatePersonalAccessTokenRequest',
      });
    }
    expect(methods('/oauth/token')).toEqual(['post']);
    expect(methods('/patina/v1/identities')).toEqual(['get', 'post']);
    expect(methods('/patina/v1/identities/{id}')).toEqual(['get', 'patch']);
    expect(methods('/patina/v1/identities/{id}/personal-access-tokens')).toEqual(['post']);
    expect(methods('/patina/v1/audit-events')).toEqual(['get']);
    expect(doc.paths['/openapi.json']).toBeUndefined();

    const create = doc.components.schemas.CreatePersonalAccessTokenRequest;
    expect(create?.type).toBe('object');
    expect(create?.additionalProperties).toBe(false);
    expect(create?.required).toEqual(['name']);
  });

  it('documents exactly the create fields the API accepts', async () => {
    const { t, doc } = await openApi();
    const documented = Object.keys(
      doc.components.schemas.CreatePersonalAccessTokenRequest?.properties ?? {},
    );
    expect(documented.sort()).toEqual(Object.keys(CREATE_SAMPLES).sort());

    for (const [field, value] of Object.entries(CREATE_SAMPLES)) {
      const json = { name: `with ${field}`, ...(field !== 'name' && { [field]: value }) };
      const res = await t.postPat(json);
      expect(res.statusCode, `${field}: ${res.body}`).toBe(200);
      const body = res.json<Record<string, unknown>>();
      if (field === 'userAwareTokenNeverExpires') expect(body.expirationDate).toBeNull();
      else if (field !== 'name') expect(body[field]).toEqual(value);
    }

    // Nothing beyond the documented set is accepted, not even the admin form's extra field.
    const admin = doc.components.schemas.AdminCreatePersonalAccessTokenRequest;
    expect(Object.keys(admin?.properties ?? {}).sort()).toEqual([...documented, 'managed'].sort());
    await expectRefused(
      t,
      () => t.postPat({ name: 'extra', owner: { type: 'IDENTITY', id: t.admin.identity.id } }),
      [400, '400.1 Bad Request Content', "Unknown field 'owner': this resource has no such field"],
    );
  });
});
