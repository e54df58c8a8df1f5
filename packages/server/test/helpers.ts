import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino, type Logger } from 'pino';
import { onTestFinished } from 'vitest';
import { buildApp, createServices, type Services } from '../src/app.js';
import { SYSTEM_CONTEXT } from '../src/audit/model.js';
import { ManualClock } from '../src/clock.js';
import { parseConfig } from '../src/config/load.js';
import type { Identity } from '../src/identities/model.js';
import type { Principal } from '../src/identities/principal.js';
import { RIGHTS } from '../src/identities/rights.js';
import type { CreatePatInput } from '../src/pats/pat-service.js';
import { openDatabase } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { Storage } from '../src/storage/repositories.js';

export const ISSUER = 'http://patina.test';
export const START = '2026-01-15T10:00:00.000Z';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface TestAppOptions {
  /** Settings on top of the test defaults (merged one level deep into `policy`). */
  config?: Record<string, unknown> & { policy?: DeepPartial<Record<string, unknown>> };
  logger?: Logger;
}

/**
 * A real Patina app over a fresh in-memory SQLite database, with a manual clock and an
 * ORG_ADMIN identity. Each test makes its own; nothing is shared between tests, and the app is
 * closed when the test finishes.
 */
export async function startTestApp(options: TestAppOptions = {}) {
  const { policy, ...rest } = options.config ?? {};
  const config = parseConfig({
    dataDir: ':memory:',
    publicBaseUrl: ISSUER,
    logLevel: 'silent',
    scopes: [{ name: 'orders:read' }, { name: 'orders:write' }],
    roles: { AUDITOR: [RIGHTS.allRead] },
    ...rest,
    // Tests make many requests with one client; the rate limit has its own tests.
    policy: { rateLimit: { max: 100_000 }, ...policy },
  });
  const clock = new ManualClock(START);
  const storage = new Storage(openDatabase({ dataDir: ':memory:' }));
  await migrateToLatest(storage.db);
  const services = await createServices({ config, storage, masterKey: randomBytes(32), clock });
  const app = await buildApp(services, { logger: options.logger ?? false });
  await app.ready();
  const t = new TestApp(app, services, clock);
  onTestFinished(() => t.close());
  t.admin = await t.user({ name: 'Ada Admin', login: 'ada', roles: ['ORG_ADMIN'] });
  return t;
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
    const identity = await this.services.identities.create(
      {
        name: input.name,
        login: input.login,
        roles: input.roles ?? ['USER'],
        rights: input.rights,
      },
      SYSTEM_CONTEXT,
    );
    const { id, secret } = await this.mintPat(identity.id, {
      name: 'login',
      scope: input.patScope ?? null,
    });
    const token = await this.accessToken(id, secret);
    return { identity, patId: id, secret, token };
  }

  /** A PAT made directly through the service, as an administrator would. */
  async mintPat(
    ownerId: string,
    input: CreatePatInput & { managed?: boolean },
  ): Promise<{ id: string; secret: string }> {
    const system: Principal = {
      identityId: 'system',
      identityName: 'system',
      login: 'system',
      patId: '',
      rights: new Set([RIGHTS.allManage]),
    };
    const { pat, secret } = await this.services.pats.createFor(
      { principal: system, audit: SYSTEM_CONTEXT },
      ownerId,
      input,
    );
    return { id: pat.id, secret };
  }

  /** POST /oauth/token with an urlencoded body. */
  exchange(clientId: string, secret: string, extra: Record<string, string> = {}) {
    return this.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
        ...extra,
      }).toString(),
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

  /** Every row of every table, to show that a refused request changed nothing. */
  async snapshot(): Promise<unknown> {
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
    await this.storage.close();
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
  if (!/^[0-9a-f]{32}$/.test(body.trackingId)) problems.push('trackingId is not 32 hex');
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

/** A pino logger that writes into an array, to read what the service logs. */
export function captureLogger(): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const logger = pino({ level: 'info' }, { write: (chunk: string) => void chunks.push(chunk) });
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
