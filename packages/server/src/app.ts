import { randomBytes } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log.js';
import { AuditQueryService } from './audit/audit-query-service.js';
import { ExpirySweeper } from './audit/expiry-sweeper.js';
import { systemClock, type Clock } from './clock.js';
import { publicBaseUrl } from './config/load.js';
import type { Config } from './config/schema.js';
import { PatinaError } from './errors.js';
import { registerAdminRoutes } from './http/admin-routes.js';
import { bearerAuthHook } from './http/bearer-auth.js';
import { installSailPointErrors } from './http/error-handler.js';
import { PAT_SURFACES, registerPatRoutes } from './http/pat-routes.js';
import { SHARED_SCHEMAS } from './http/schemas.js';
import { createValidatorCompiler } from './http/validation.js';
import { IdentityService } from './identities/identity-service.js';
import { RightsModel } from './identities/rights.js';
import { ClientCredentialsGrant } from './oauth/client-credentials.js';
import { registerInfoRoute } from './oauth/info-route.js';
import { Lockout } from './oauth/lockout.js';
import { tokenEndpoint } from './oauth/token-route.js';
import { PatService } from './pats/pat-service.js';
import type { Storage } from './storage/repositories.js';
import { AccessTokens } from './tokens/access-tokens.js';
import { BearerAuthenticator } from './tokens/bearer.js';
import { SecretDigester } from './tokens/secret.js';
import { SigningKeys } from './tokens/signing-keys.js';

export interface AppOptions {
  config: Config;
  /** Opened and migrated by the caller, which also closes it. */
  storage: Storage;
  masterKey: Buffer;
  clock?: Clock;
  /** A pino logger; `false` for none. */
  logger?: Logger | false;
}

/** The services behind the HTTP app, for the CLI, the bootstrap and tests. */
export interface Services {
  config: Config;
  clock: Clock;
  storage: Storage;
  rights: RightsModel;
  pats: PatService;
  identities: IdentityService;
  grant: ClientCredentialsGrant;
  accessTokens: AccessTokens;
  expirySweeper: ExpirySweeper;
  tenantId: string;
  baseUrl: string;
}

export async function createServices(options: AppOptions): Promise<Services> {
  const { config, storage, masterKey } = options;
  const clock = options.clock ?? systemClock;
  const baseUrl = publicBaseUrl(config);
  const issuer = config.issuer ?? baseUrl;
  const tenantId = await storage.repos.settings.getOrCreate(
    'tenant_id',
    randomBytes(16).toString('hex'),
  );
  const keys = new SigningKeys(storage.repos.signingKeys, masterKey, clock);
  await keys.init(config.signing.algorithm);
  const rights = new RightsModel(config);
  const audit = new AuditLog(clock);
  const digester = new SecretDigester(masterKey);
  const accessTokens = new AccessTokens({
    keys,
    clock,
    issuer,
    audience: config.audience ?? issuer,
    tenantId,
    org: config.tenant.org,
  });
  return {
    config,
    clock,
    storage,
    rights,
    tenantId,
    baseUrl,
    accessTokens,
    pats: new PatService({ storage, rights, audit, clock, policy: config.policy, digester }),
    identities: new IdentityService({ storage, rights, audit, clock }),
    grant: new ClientCredentialsGrant({
      storage,
      rights,
      audit,
      clock,
      digester,
      accessTokens,
      lockout: new Lockout(config.policy.lockout, clock),
      tenant: { id: tenantId, org: config.tenant.org, pod: config.tenant.pod },
    }),
    expirySweeper: new ExpirySweeper({ storage, audit, clock }),
  };
}

/** Builds the HTTP app over ready services. No side effects beyond the app itself. */
export async function buildApp(
  services: Services,
  options: { logger?: Logger | false } = {},
): Promise<FastifyInstance> {
  const { config } = services;
  // Typed as Fastify's logger interface so the app keeps Fastify's default instance type.
  const loggerInstance: FastifyBaseLogger | undefined = options.logger || undefined;
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    // The request id is the trackingId of error bodies; it is ours, never taken from a header.
    genReqId: () => randomBytes(16).toString('hex'),
    requestIdHeader: false,
    // Fastify's own two lines per request are off; the onResponse hook below writes one.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
  });
  app.setValidatorCompiler(createValidatorCompiler(SHARED_SCHEMAS));
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.decorateRequest('principal', null);
  // Bodies are JSON; Fastify's text/plain parser would let a text body reach validation.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    ['application/json-patch+json', 'application/merge-patch+json'],
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
  installSailPointErrors(app);

  // One structured line per request, with the request id; the path only, never the query
  // string (the token endpoint accepts credentials there).
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: request.url.split('?')[0],
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  await app.register(swagger, {
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
      servers: [{ url: services.baseUrl }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });

  app.get(
    '/health',
    { schema: { hide: false, tags: ['Operations'], operationId: 'health' } },
    () => ({
      status: 'ok',
    }),
  );
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerInfoRoute(app, {
    tenantId: services.tenantId,
    tenantName: config.tenant.name,
    org: config.tenant.org,
    pod: config.tenant.pod,
    baseUrl: services.baseUrl,
    issuer: config.issuer ?? services.baseUrl,
  });
  await app.register(tokenEndpoint, { grant: services.grant, policy: config.policy });

  const authenticator = new BearerAuthenticator({
    accessTokens: services.accessTokens,
    pats: services.storage.repos.pats,
    rights: services.rights,
    clock: services.clock,
  });
  await app.register(async (api) => {
    api.addHook('onRequest', bearerAuthHook(authenticator));
    await api.register(rateLimit, {
      global: true,
      hook: 'preHandler',
      max: config.policy.rateLimit.max,
      timeWindow: config.policy.rateLimit.windowSeconds * 1000,
      // SPEC §2: per client id per API base.
      keyGenerator: (request) =>
        `${request.routeOptions.config.surface ?? 'api'}:${request.principal?.patId ?? request.ip}`,
      errorResponseBuilder: (_request, context) =>
        new PatinaError('RATE_LIMITED', 'Rate Limit Exceeded', {
          retryAfterSeconds: Math.ceil(context.ttl / 1000),
        }),
    });
    for (const surface of PAT_SURFACES) {
      registerPatRoutes(api, { pats: services.pats, ...surface });
    }
    registerAdminRoutes(api, {
      identities: services.identities,
      pats: services.pats,
      audit: new AuditQueryService(services.storage),
    });
  });
  return app;
}
