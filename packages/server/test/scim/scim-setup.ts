import { RIGHTS, SCIM_BASE, SCIM_MEDIA_TYPE, SCIM_SCHEMAS } from '@patina/contract';
import { Ajv, type ValidateFunction } from 'ajv';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { startTestApp, type TestApp, type TestAppOptions } from '../helpers.js';

/** A test app and the directory's token: a PAT of the admin with patina:scim:provision alone. */
export interface ScimTest {
  t: TestApp;
  /** The PAT secret the directory sends as its bearer token. */
  secret: string;
  /** A request to /scim/v2 with the directory's token (or `token`), bodies as application/scim+json. */
  scim(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    options?: { token?: string | null; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
}

export async function startScim(options: TestAppOptions = {}): Promise<ScimTest> {
  const t = await startTestApp(options);
  const { secret } = await t.mintPat(t.admin.identity.id, {
    name: 'okta',
    scope: [RIGHTS.scimProvision],
  });
  return {
    t,
    secret,
    scim: (method, path, body, opts = {}) => {
      const token = opts.token === undefined ? secret : opts.token;
      return t.app.inject({
        method,
        url: `${SCIM_BASE}${path}`,
        headers: {
          ...(body !== undefined && { 'content-type': SCIM_MEDIA_TYPE }),
          ...(token !== null && { authorization: `Bearer ${token}` }),
          ...opts.headers,
        },
        ...(body !== undefined && {
          payload: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      });
    },
  };
}

/** A SCIM error body (RFC 7644 §3.12) with this status and scimType. */
export function expectScimError(
  response: LightMyRequestResponse,
  status: number,
  scimType?: string,
  detail?: RegExp,
): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toBe(`${SCIM_MEDIA_TYPE}; charset=utf-8`);
  const body = response.json<Record<string, unknown>>();
  expect(body.schemas).toEqual([SCIM_SCHEMAS.error]);
  expect(body.status).toBe(String(status));
  expect(body.scimType).toBe(scimType);
  expect(typeof body.detail).toBe('string');
  if (detail) expect(body.detail).toMatch(detail);
}

// The Okta and Entra ID bodies of their documented request sequences, and RFC 7643 §8.
export const OKTA_CREATE_USER = {
  schemas: [SCIM_SCHEMAS.user],
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: '1mz050nq',
  active: true,
};

export const ENTRA_CREATE_USER = {
  schemas: [SCIM_SCHEMAS.user, SCIM_SCHEMAS.enterpriseUser],
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
  [SCIM_SCHEMAS.enterpriseUser]: { employeeNumber: '701984', department: 'Tour Operations' },
};

/** RFC 7643 §8.2's full User, less what Patina does not keep beyond accepting it. */
export const RFC_USER = {
  schemas: [SCIM_SCHEMAS.user],
  externalId: '701984',
  userName: 'bjensen@example.com',
  name: {
    formatted: 'Ms. Barbara J Jensen, III',
    familyName: 'Jensen',
    givenName: 'Barbara',
    middleName: 'Jane',
  },
  displayName: 'Babs Jensen',
  nickName: 'Babs',
  profileUrl: 'https://login.example.com/bjensen',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  phoneNumbers: [{ value: '555-555-5555', type: 'work' }],
  userType: 'Employee',
  title: 'Tour Guide',
  preferredLanguage: 'en-US',
  locale: 'en-US',
  timezone: 'America/Los_Angeles',
  active: true,
};

interface ScimSchemaAttribute {
  name: string;
  type: string;
  multiValued: boolean;
  required: boolean;
  subAttributes?: ScimSchemaAttribute[];
}

/**
 * The published SCIM schemas (GET /Schemas) as JSON Schemas, checked with ajv: each attribute's
 * name and type (RFC 7643 §2.3), multi-valued ones as arrays, required ones present, and nothing
 * the schemas do not define beyond the common attributes (id, externalId, meta, schemas §3.1).
 */
export async function schemaValidators(
  s: ScimTest,
): Promise<{ user: ValidateFunction; group: ValidateFunction }> {
  const response = await s.scim('GET', '/Schemas');
  expect(response.statusCode).toBe(200);
  const schemas = response.json<{
    Resources: { id: string; attributes: ScimSchemaAttribute[] }[];
  }>().Resources;
  const attributesOf = (id: string) => schemas.find((schema) => schema.id === id)!.attributes;
  const typeOf = (attribute: ScimSchemaAttribute): object => {
    const single =
      attribute.type === 'complex'
        ? objectOf(attribute.subAttributes ?? [])
        : attribute.type === 'boolean'
          ? { type: 'boolean' }
          : attribute.type === 'dateTime'
            ? { type: 'string', format: 'date-time' }
            : { type: 'string' };
    return attribute.multiValued ? { type: 'array', items: single } : single;
  };
  const objectOf = (attributes: ScimSchemaAttribute[], extra: Record<string, object> = {}) => ({
    type: 'object',
    properties: {
      ...Object.fromEntries(attributes.map((a) => [a.name, typeOf(a)])),
      ...extra,
    },
    required: attributes.filter((a) => a.required).map((a) => a.name),
    additionalProperties: false,
  });
  const common = {
    schemas: { type: 'array', items: { type: 'string' }, minItems: 1 },
    id: { type: 'string', minLength: 1 },
    externalId: { type: 'string' },
    meta: {
      type: 'object',
      required: ['resourceType', 'created', 'lastModified', 'location', 'version'],
      properties: {
        resourceType: { type: 'string' },
        created: { type: 'string', format: 'date-time' },
        lastModified: { type: 'string', format: 'date-time' },
        location: { type: 'string' },
        version: { type: 'string', pattern: '^W/".+"$' },
      },
      additionalProperties: false,
    },
  };
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const user = objectOf(attributesOf(SCIM_SCHEMAS.user), {
    ...common,
    [SCIM_SCHEMAS.enterpriseUser]: objectOf(attributesOf(SCIM_SCHEMAS.enterpriseUser)),
  });
  const group = objectOf(attributesOf(SCIM_SCHEMAS.group), common);
  for (const schema of [user, group]) {
    schema.required.push('schemas', 'id', 'meta');
  }
  return { user: ajv.compile(user), group: ajv.compile(group) };
}

/** Asserts that `resource` is valid under `validate`, naming the errors if not. */
export function expectValid(validate: ValidateFunction, resource: unknown): void {
  const valid = validate(resource);
  expect(validate.errors ?? [], JSON.stringify(resource)).toEqual([]);
  expect(valid).toBe(true);
}
