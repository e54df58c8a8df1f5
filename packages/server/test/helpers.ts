import { type Identity, RIGHTS } from '@patina/contract';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino, type Logger } from 'pino';
import { expect, onTestFinished } from 'vitest';
import { buildApp, createServices, type Services } from '../src/app.js';
import { SYSTEM_CONTEXT } from '../src/access/context.js';
import { ManualClock } from '../src/core/clock.js';
import type { Resolve } from '../src/notifications/ssrf-guard.js';
import { parseConfig } from '../src/config/load.js';
import type { CreatePatInput } from '../src/pats/create-input.js';
import type { Storage } from '../src/storage/repositories.js';
import { openStorage } from '../src/runtime.js';
import type { Tracing } from '../src/tracing/tracing.js';
import { openTestStorage, testDatabaseSettings } from './dialect.js';
import { reusedKeyPairs } from './key-pairs.js';

export const ISSUER = 'http://patina.test';

/**
 * The scope catalogue of the test config, sorted: the deployment's two scopes, Patina's
 * introspection right, its SCIM right, its two Shared Signals rights and SailPoint's five PAT rights. Written out, not derived from src.
 */
export const TEST_CATALOGUE = [
  'orders:read',
  'orders:write',
  'patina:scim:provision',
  'patina:tokens:introspect',
  'sp:all-personal-access-tokens:manage',
  'sp:all-personal-access-tokens:read',
  'sp:managed-personal-access-tokens:read',
  'sp:my-personal-access-tokens:manage',
  'sp:my-personal-access-tokens:read',
  'ssf.manage',
  'ssf.read',
];
export const START = '2026-01-15T10:00:00.000Z';
export { DAY_MS, HOUR_MS, MINUTE_MS } from '../src/core/time.js';

/** START + 6 calendar months: the default, and the latest, expiry of a PAT made at START. */
export const MAX_EXPIRY = '2026-07-15T10:00:00.000Z';

/** The v3 base of the PAT resource, the one most tests use. */
export const V3 = '/v3/personal-access-tokens';

/**
 * The PAT surfaces whose POST and PATCH default an absent or null expirationDate to created +
 * maxLifetime (docs/rules.md, "Expiry"). Spelled out here, not imported from src, so that a surface
 * src drops fails the tests.
 */
export const DEFAULTED_SURFACES = [
  '/v3/personal-access-tokens',
  '/beta/personal-access-tokens',
  '/v2024/personal-access-tokens',
  '/v2025/personal-access-tokens',
] as const;

/**
 * The PAT surfaces that require an expirationDate unless the PAT never expires (docs/rules.md,
 * "Expiry").
 */
export const EXPLICIT_SURFACES = [
  '/v2026/personal-access-tokens',
  '/personal-access-tokens/v1',
] as const;

/**
 * Every base the PAT resource is served under (docs/rules.md, "The PAT API"): the six surfaces
 * above, in order.
 */
export const PAT_SURFACES = [...DEFAULTED_SURFACES, ...EXPLICIT_SURFACES] as const;

/** The members of a PAT in a list (Get) or PATCH response, sorted. */
export const GET_RESPONSE_KEYS = [
  'accessTokenValiditySeconds',
  'created',
  'expirationDate',
  'id',
  'lastUsed',
  'managed',
  'name',
  'owner',
  'scope',
  'userAwareTokenNeverExpires',
];

/** The members of a create response, sorted: the only place a secret appears. */
export const CREATE_RESPONSE_KEYS = [
  'accessTokenValiditySeconds',
  'created',
  'expirationDate',
  'id',
  'name',
  'owner',
  'scope',
  'secret',
];

/** A well-formed id (32 lower-case hex characters) that no identity or PAT has. */
export const UNKNOWN_ID = '0123456789abcdef0123456789abcdef';

/** Ids, tracking ids and jtis: 32 lower-case hex characters. */
export const HEX32 = /^[0-9a-f]{32}$/;

/** The one body /oauth/token answers every kind of bad client credentials with. */
export const BAD_CREDENTIALS = {
  error: 'invalid_client',
  error_description: 'Bad client credentials',
};

/** The token endpoint's answer to a client id locked out after repeated failures. */
export const LOCKED_OUT = {
  error: 'too_many_attempts',
  error_description: 'Too many failed attempts for this client; try again later',
};

/** Detail codes of the SailPoint error body that several files assert. */
export const ILLEGAL = '400.1.3 Illegal value';
export const MISSING = '400.1.0 Required Data Missing Or Empty';
export const REFERENCE_CONFLICT = '400.1.409 Reference conflict';
export const SERVICE_UNAVAILABLE = '503 Service Unavailable';

/** The 403 texts of the PAT API for a caller without the right. */
export const NEEDS_MY_MANAGE = {
  create: 'Creating a personal access token needs the right sp:my-personal-access-tokens:manage',
  change:
    'You may not change this personal access token: it needs the right sp:my-personal-access-tokens:manage',
  delete:
    'You may not delete this personal access token: it needs the right sp:my-personal-access-tokens:manage',
  rotate:
    'You may not rotate this personal access token: it needs the right sp:my-personal-access-tokens:manage',
};
export const NEEDS_ALL_READ =
  "Listing other identities' personal access tokens needs the right sp:all-personal-access-tokens:read";
/** The same refusal for a list without owner-id, to a caller who may list its own PATs. */
export const NEEDS_ALL_READ_OR_ME = `${NEEDS_ALL_READ}; add owner-id=me to list your own`;

/** The expiry refusals POST and PATCH share (docs/rules.md, "Expiry"). */
export const NEVER_EXPIRING_REFUSED =
  'Never-expiring personal access tokens are not allowed by this deployment’s policy; give an expirationDate';
export const NEVER_EXPIRING_WITH_DATE =
  "'userAwareTokenNeverExpires' may be true only when 'expirationDate' is absent or null";

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface TestAppOptions {
  /** Settings on top of the test defaults (merged one level deep into `policy`). */
  config?: Record<string, unknown> & { policy?: DeepPartial<Record<string, unknown>> };
  logger?: Logger;
  /** How webhook and push hosts resolve (the SSRF guard checks every address); DNS otherwise. */
  resolve?: Resolve;
  /** Tracing shared by the storage and the services (test/tracing/traced-app.ts); none otherwise. */
  tracing?: Tracing;
}

/**
 * A real Patina app over fresh storage on this file's dialect (in-memory SQLite, or a schema of
 * its own in the run's PostgreSQL database), with a manual clock and an ORG_ADMIN identity. Each
 * test makes its own; nothing is shared between tests, and the app is closed when the test
 * finishes.
 */
export async function startTestApp(options: TestAppOptions = {}) {
  const database = testDatabaseSettings();
  const config = testConfig(database, options.config);
  const clock = new ManualClock(START);
  const { tracing } = options;
  const storage = tracing
    ? await openStorage(config, { tracing })
    : await openTestStorage(database);
  const services = await createServices({
    config,
    storage,
    masterKey: randomBytes(32),
    clock,
    keyPairs: reusedKeyPairs,
    ...(tracing && { tracing }),
    ...(options.resolve && { resolve: options.resolve }),
  });
  const app = await buildApp(services, { logger: options.logger ?? false });
  await app.ready();
  const t = new TestApp(app, services, clock);
  onTestFinished(() => t.close());
  t.admin = await t.user({ name: 'Ada Admin', login: 'ada', roles: ['ORG_ADMIN'] });
  return t;
}

/** The config of a test app: the test defaults, the database settings and `overrides` on top. */
export function testConfig(database: Record<string, unknown>, overrides: TestAppOptions['config']) {
  const { policy, ...rest } = overrides ?? {};
  return parseConfig({
    ...database,
    dataDir: ':memory:',
    publicBaseUrl: ISSUER,
    logLevel: 'silent',
    scopes: [{ name: 'orders:read' }, { name: 'orders:write' }],
    roles: { AUDITOR: [RIGHTS.allRead] },
    ...rest,
    // Tests make many requests with one client; the rate limit has its own tests.
    policy: { rateLimit: { max: 100_000 }, ...policy },
  });
}

/** Every row of every table, as TestApp.snapshot() reads it. */
export interface Snapshot {
  identities: unknown[];
  pats: unknown[];
  audit: unknown[];
}

export interface TestUser {
  identity: Identity;
  /** A PAT of this identity and its secret. */
  patId: string;
  secret: string;
  /** An access token minted from that PAT through the real token endpoint. */
  token: string;
}

export class TestApp {
  admin!: TestUser;

  constructor(
    readonly app: FastifyInstance,
    readonly services: Services,
    readonly clock: ManualClock,
  ) {}

  get storage(): Storage {
    return this.services.storage;
  }

  /** An identity with a PAT and an access token. */
  async user(input: {
    name: string;
    login?: string;
    roles?: string[];
    rights?: string[];
    patScope?: string[];
  }): Promise<TestUser> {
    const identity = await this.services.identities.create(SYSTEM_CONTEXT, {
      name: input.name,
      login: input.login,
      roles: input.roles ?? ['USER'],
      rights: input.rights,
    });
    const { id, secret } = await this.mintPat(identity.id, {
      name: 'login',
      scope: input.patScope ?? null,
    });
    const token = await this.accessToken(id, secret);
    return { identity, patId: id, secret, token };
  }

  /** A PAT made directly through the service by Patina itself, as `patina admin token` does. */
  async mintPat(
    ownerId: string,
    input: CreatePatInput & { managed?: boolean },
  ): Promise<{ id: string; secret: string }> {
    const { pat, secret } = await this.services.pats.createFor(SYSTEM_CONTEXT, ownerId, input);
    return { id: pat.id, secret };
  }

  /** POST /oauth/token with an urlencoded body (and any further headers). */
  exchange(
    clientId: string,
    secret: string,
    extra: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    return this.postForm(
      '/oauth/token',
      { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, ...extra },
      headers,
    );
  }

  /** POST /oauth/token from a given client address (the throttle and the rate limit key by it). */
  exchangeFrom(
    remoteAddress: string,
    clientId: string,
    secret: string,
    headers: Record<string, string> = {},
  ) {
    return this.postForm(
      '/oauth/token',
      { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
      headers,
      remoteAddress,
    );
  }

  /** A POST with an application/x-www-form-urlencoded body, as OAuth endpoints take it. */
  postForm(
    url: string,
    params: Record<string, string>,
    headers: Record<string, string> = {},
    remoteAddress?: string,
  ): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method: 'POST',
      url,
      ...(remoteAddress !== undefined && { remoteAddress }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(params).toString(),
    });
  }

  async accessToken(clientId: string, secret: string, scope?: string): Promise<string> {
    const response = await this.exchange(clientId, secret, scope ? { scope } : {});
    if (response.statusCode !== 200) {
      throw new Error(`exchange failed: ${response.statusCode} ${response.body}`);
    }
    return response.json<{ access_token: string }>().access_token;
  }

  /** A request with a bearer token; JSON bodies by default. */
  request(
    options: Omit<InjectOptions, 'headers'> & {
      token?: string | undefined;
      headers?: Record<string, string>;
      json?: unknown;
    },
  ): Promise<LightMyRequestResponse> {
    const { token, json, headers, ...rest } = options;
    const contentType =
      json === undefined
        ? {}
        : {
            'content-type':
              rest.method === 'PATCH' ? 'application/json-patch+json' : 'application/json',
          };
    return this.app.inject({
      ...rest,
      headers: {
        ...contentType,
        ...(token !== undefined && { authorization: `Bearer ${token}` }),
        ...headers,
      },
      ...(json !== undefined && { payload: JSON.stringify(json) }),
    });
  }

  /** POST of a PAT through the v3 API (a JSON body), by default as the admin. */
  postPat(json: unknown, token: string = this.admin.token): Promise<LightMyRequestResponse> {
    return this.request({ method: 'POST', url: V3, token, json });
  }

  /** DELETE of a PAT through the v3 API, by default as the admin. */
  deletePat(id: string, token: string = this.admin.token): Promise<LightMyRequestResponse> {
    return this.request({ method: 'DELETE', url: `${V3}/${id}`, token });
  }

  /** A merge patch of an identity through the admin API, by default as the admin. */
  patchIdentity(
    id: string,
    json: unknown,
    token: string = this.admin.token,
  ): Promise<LightMyRequestResponse> {
    return this.request({
      method: 'PATCH',
      url: `/patina/v1/identities/${id}`,
      token,
      headers: { 'content-type': 'application/merge-patch+json' },
      json,
    });
  }

  /** Every row of every table, to show that a refused request changed nothing. */
  async snapshot(): Promise<Snapshot> {
    const db = this.storage.db;
    return {
      identities: await db.selectFrom('identities').selectAll().orderBy('id').execute(),
      pats: await db.selectFrom('personal_access_tokens').selectAll().orderBy('id').execute(),
      audit: await db.selectFrom('audit_events').selectAll().orderBy('seq').execute(),
    };
  }

  async auditEvents(type?: string) {
    let query = this.storage.db.selectFrom('audit_events').selectAll().orderBy('seq');
    if (type) query = query.where('type', '=', type);
    return query.execute();
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.services.close();
  }
}

/** The SailPoint error body with one message, as every 400/403/404 must be. */
export function expectSailPointError(
  response: LightMyRequestResponse,
  status: number,
  detailCode: string,
  text: string | RegExp,
): void {
  const body = response.json<{
    detailCode: string;
    trackingId: string;
    messages: { locale: string; localeOrigin: string; text: string }[];
    causes: unknown[];
  }>();
  const problems: string[] = [];
  if (response.statusCode !== status) problems.push(`status ${response.statusCode} != ${status}`);
  if (body.detailCode !== detailCode)
    problems.push(`detailCode '${body.detailCode}' != '${detailCode}'`);
  if (!HEX32.test(body.trackingId)) problems.push('trackingId is not 32 hex');
  const message = body.messages?.[0];
  if (!message || message.locale !== 'en-US' || message.localeOrigin !== 'DEFAULT') {
    problems.push('messages[0] is not an en-US DEFAULT message');
  } else if (typeof text === 'string' ? message.text !== text : !text.test(message.text)) {
    problems.push(`text '${message.text}' does not match ${String(text)}`);
  }
  if (!Array.isArray(body.causes)) problems.push('causes is not an array');
  if (problems.length > 0) {
    throw new Error(`Unexpected error response (${response.body}): ${problems.join('; ')}`);
  }
}

/** The status, detailCode and text of a SailPoint error body, as expectSailPointError takes them. */
export type SailPointErrorSpec = [status: number, detailCode: string, text: string | RegExp];

/** The 404 of a PAT the caller may not see, or that does not exist. */
export function patNotFound(id: string): SailPointErrorSpec {
  return [404, '404 Not found', `Personal access token '${id}' was not found`];
}

/** The 404 for a path id that is not id-shaped: it is not echoed (it may be a pasted secret). */
export const PAT_ID_NOT_AN_ID: SailPointErrorSpec = [
  404,
  '404 Not found',
  'Personal access token was not found: the id is not 32 lowercase hex characters',
];

/**
 * Sends one request that must be refused: asserts its SailPoint error body and that no row of
 * any table changed. Returns the response for further checks.
 */
export async function expectRefused(
  t: TestApp,
  send: () => Promise<LightMyRequestResponse>,
  [status, detailCode, text]: Readonly<SailPointErrorSpec>,
): Promise<LightMyRequestResponse> {
  const before = await t.snapshot();
  const response = await send();
  expectSailPointError(response, status, detailCode, text);
  expect(await t.snapshot()).toEqual(before);
  return response;
}

/**
 * Sends one request that may write audit events but must leave every identity and PAT as it
 * was. Returns the response and the snapshots before and after, for checks of the audit trail.
 */
export async function expectIdentitiesAndPatsUnchanged(
  t: TestApp,
  send: () => Promise<LightMyRequestResponse>,
): Promise<{ response: LightMyRequestResponse; before: Snapshot; after: Snapshot }> {
  const before = await t.snapshot();
  const response = await send();
  const after = await t.snapshot();
  expect(after.identities).toEqual(before.identities);
  expect(after.pats).toEqual(before.pats);
  return { response, before, after };
}

/** The decoded header and payload of a JWT (no verification). */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header, payload] = token.split('.');
  const decode = (part: string | undefined) =>
    JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: decode(header), payload: decode(payload) };
}

/** A pino logger that writes into an array, to read what the service logs. */
export function captureLogger(level = 'info'): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const logger = pino({ level }, { write: (chunk: string) => void chunks.push(chunk) });
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

/** A TCP port free on 127.0.0.1 right now, for tests that need a real listening server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A test app listening on a real 127.0.0.1 port, its public base URL (and so its issuer) being
 * where it listens: for real third-party clients that discover and call it over HTTP.
 */
export async function startListeningApp(
  options: TestAppOptions = {},
): Promise<{ t: TestApp; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await startTestApp({ ...options, config: { publicBaseUrl: base, ...options.config } });
  await t.app.listen({ host: '127.0.0.1', port });
  return { t, base };
}
