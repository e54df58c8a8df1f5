import { PAT_SURFACES, SHARED_SCHEMAS } from '@patina/contract';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConsoleSignIn } from './console/sign-in.js';
import { registerAdminRoutes } from './http/admin/routes.js';
import { registerConsoleRoutes } from './http/console/routes.js';
import { consoleDistDir } from './http/console/static.js';
import { bearerAuthHook } from './http/bearer-auth.js';
import { clientAddressKey } from './http/client-address.js';
import { credentialRevocationRoute } from './http/credential-revocation-route.js';
import { installSailPointErrors } from './http/errors/sailpoint.js';
import { registerKeyRoutes } from './http/key-routes.js';
import { documentBearerSecurity, openApiOptions } from './http/openapi.js';
import { registerOperationRoutes } from './http/operation-routes.js';
import { registerWebhookRoutes } from './http/webhook-routes.js';
import { registerTrustPolicyRoutes } from './http/trust-policy-routes.js';
import { registerAccessReviewRoutes } from './http/access-review-routes.js';
import { registerCalendarRoute } from './http/calendar-route.js';
import { registerSsfAdminRoutes } from './http/ssf-admin-routes.js';
import { registerSsfPublicRoutes, registerSsfRoutes } from './http/ssf-routes.js';
import { registerPatRoutes } from './http/pat-routes.js';
import { registerPatinaPatRoutes } from './http/patina-pat-routes.js';
import { registerPatRequestRoutes } from './http/pat-request-routes.js';
import { registerScimAdminRoutes } from './http/scim-admin-routes.js';
import { registerScimRoutes } from './http/scim-routes.js';
import { traceRequests } from './http/request-spans.js';
import { rateLimitOptions } from './http/rate-limit.js';
import { safePath } from './http/safe-path.js';
import { trustProxyOption } from './http/trust-proxy.js';
import { installSecurityHeaders } from './http/security-headers.js';
import { serverTimeouts } from './http/server-timeouts.js';
import { capConnectionsPerAddress } from './http/connection-cap.js';
import { createSerializerCompiler } from './http/serialization.js';
import { createValidatorCompiler } from './http/validation.js';
import { registerInfoRoute } from './http/oauth/info-route.js';
import { registerMetadataRoutes } from './http/oauth/metadata-routes.js';
import { oauthEndpoints } from './http/oauth/plugin.js';
import type { Services } from './services.js';
import { randomHexId } from './core/ids.js';

export { createServices, type Services } from './services.js';

/** Builds the HTTP app over ready services. No side effects beyond the app itself. */
/** The routes load balancers and orchestrators poll. */
const PROBES = new Set(['/health', '/ready']);

export async function buildApp(
  services: Services,
  options: {
    logger?: Logger | false;
    /** Tests: where the built console is (null: not built); default packages/console/dist. */
    consoleDistDir?: string | null;
  } = {},
): Promise<FastifyInstance> {
  const { config } = services;
  // Typed as Fastify's logger interface so the app keeps Fastify's default instance type.
  const loggerInstance: FastifyBaseLogger | undefined = options.logger || undefined;
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    // The request id is the trackingId of error bodies; it is ours, never taken from a header.
    genReqId: randomHexId,
    requestIdHeader: false,
    // Fastify's own two lines per request are off; the onResponse hook below writes one.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    trustProxy: trustProxyOption(config.trustProxy),
    ...serverTimeouts(config.http),
  });
  // Tracing off: no hook at all, so requests pay nothing for it. On, its hooks come first, so
  // every later hook and every log line of the request is in the request's span.
  if (services.tracing.enabled) traceRequests(app, services.tracing);
  app.setValidatorCompiler(createValidatorCompiler(SHARED_SCHEMAS));
  app.setSerializerCompiler(createSerializerCompiler(SHARED_SCHEMAS));
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
  installSecurityHeaders(app, services.baseUrl);
  capConnectionsPerAddress(app.server, config.http.maxConnectionsPerAddress, app.log);

  // One structured line per request, with the request id; the path made safe (safePath), never
  // the query string (the token endpoint accepts credentials there). A load balancer's passing
  // probe of /health or /ready is a line every few seconds that says nothing: debug only.
  app.addHook('onResponse', async (request, reply) => {
    const probe = PROBES.has(request.routeOptions.url ?? '') && reply.statusCode < 400;
    request.log[probe ? 'debug' : 'info'](
      {
        method: request.method,
        path: safePath(request.url),
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  // Metrics off: no hook at all, so requests pay nothing for them.
  const { metrics } = services;
  if (metrics.enabled) {
    // A callback hook, not an async one: no promise per request for a few counter updates.
    app.addHook('onResponse', (request, reply, done) => {
      metrics.httpResponse({
        route: request.routeOptions.url,
        method: request.method,
        statusCode: reply.statusCode,
        seconds: reply.elapsedTime / 1000,
      });
      done();
    });
  }

  await app.register(swagger, openApiOptions(services.baseUrl));
  registerOperationRoutes(app, { ping: () => services.ping() });
  registerInfoRoute(app, {
    tenantId: services.tenantId,
    tenantName: config.tenant.name,
    org: config.tenant.org,
    pod: config.tenant.pod,
    baseUrl: services.baseUrl,
    issuer: services.issuer,
  });
  registerSsfPublicRoutes(app, {
    streams: services.ssf.streams,
    keys: services.ssf.keys,
    poller: services.ssf.poller,
  });
  registerMetadataRoutes(app, {
    issuer: services.issuer,
    baseUrl: services.baseUrl,
    keys: services.keys,
    rights: services.rights,
  });
  const sharedLimits = services.sharedLimits;
  await app.register(oauthEndpoints, {
    grants: {
      clientCredentials: services.grant,
      federated: services.federation.exchange,
      delegation: services.federation.delegation,
      dpop: { verifier: services.dpop, tokenEndpoint: `${services.baseUrl}/oauth/token` },
    },
    callers: services.oauthCallers,
    introspection: services.introspection,
    revocation: services.revocation,
    policy: config.policy,
    sharedLimits: sharedLimits,
    metrics: services.metrics,
  });

  // Unauthenticated, with a rate limit of its own (docs/leaked-secrets.md).
  await app.register(credentialRevocationRoute, {
    leaks: services.leaks,
    policy: config.policy,
    sharedLimits,
  });

  await app.register(async (api) => {
    api.addHook(
      'onRequest',
      bearerAuthHook(services.bearer, services.metrics, {
        verifier: services.dpop,
        baseUrl: services.baseUrl,
      }),
    );
    api.addHook('onRoute', documentBearerSecurity);
    // Per client id per API base (docs/rules.md, "Rate limits").
    await api.register(
      rateLimit,
      rateLimitOptions(
        config.policy,
        (request) =>
          `${request.routeOptions.config.surface ?? 'api'}:${request.principal?.patId ?? clientAddressKey(request)}`,
        sharedLimits,
      ),
    );
    for (const surface of PAT_SURFACES) {
      registerPatRoutes(api, { pats: services.pats, ...surface });
    }
    registerAdminRoutes(api, {
      identities: services.identities,
      pats: services.pats,
      audit: services.auditQueries,
      overview: services.overview,
    });
    registerKeyRoutes(api, { keyRotation: services.keyRotation });
    registerPatinaPatRoutes(api, {
      pats: services.pats,
      presentation: services.patPresentation,
      rotation: services.rotation,
      offboarding: services.offboarding,
      usage: services.usageHistory,
      pending: (request) => services.approvalRequests.pending(request),
    });
    registerPatRequestRoutes(api, {
      approvals: services.approvalRequests,
      presentation: services.patPresentation,
    });
    registerWebhookRoutes(api, { webhooks: services.notifications.webhooks });
    registerTrustPolicyRoutes(api, { trustPolicies: services.federation.trustPolicies });
    registerAccessReviewRoutes(api, { accessReviews: services.accessReviews });
    registerCalendarRoute(api, { calendar: services.notifications.calendar });
    registerSsfRoutes(api, { streams: services.ssf.streams });
    registerSsfAdminRoutes(api, { streamAdmin: services.ssf.streamAdmin });
    registerScimAdminRoutes(api, { scim: services.scim });
  });
  // The directory's SCIM 2.0 service (docs/scim.md): its own bearer check, the same limits.
  await registerScimRoutes(app, {
    scim: services.scim,
    baseUrl: services.baseUrl,
    policy: config.policy,
    sharedLimits,
  });
  await registerConsoleRoutes(app, {
    config,
    baseUrl: services.baseUrl,
    clock: services.clock,
    rights: services.rights,
    sessions: services.console.sessions,
    sealer: services.console.sealer,
    sso: services.console.sso,
    signInLimit: services.console.signInLimit,
    signIn: new ConsoleSignIn({
      grant: services.grant,
      identities: services.identities,
      storage: services.storage,
      sessions: services.console.sessions,
      clock: services.clock,
      sso: config.sso,
    }),
    distDir:
      options.consoleDistDir === undefined
        ? consoleDistDir()
        : (options.consoleDistDir ?? undefined),
  });
  return app;
}
