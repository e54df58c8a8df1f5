import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log.js';
import { AuditQueryService } from './audit/audit-query-service.js';
import { ssoClient, type ConsoleServices } from './console/console.js';
import { consoleCredentials } from './console/credentials.js';
import { federatedCredentials } from './federation/credentials.js';
import { DelegatedExchange } from './federation/delegation.js';
import { FederatedExchange } from './federation/federated-exchange.js';
import { IssuerKeys } from './federation/issuer-keys.js';
import { TrustPolicyService } from './federation/trust-policy-service.js';
import { AccessReviewService } from './governance/access-reviews.js';
import { AccessReviewSweep } from './governance/access-review-sweep.js';
import { consoleSealer as makeConsoleSealer } from './console/seal.js';
import { consoleSignInLimit } from './console/sign-in-limit.js';
import { ConsoleSessions } from './console/sessions.js';
import { ExpirySweeper } from './pats/expiry-sweeper.js';
import { systemClock, type Clock } from './core/clock.js';
import { publicBaseUrl } from './config/load.js';
import type { Config } from './config/schema.js';
import { Housekeeping } from './housekeeping.js';
import { IdentityService } from './identities/identity-service.js';
import { RightsModel } from './identities/rights.js';
import { OAuthCallerAuthenticator } from './http/oauth/caller.js';
import { ClientAuthenticator } from './oauth/client-authenticator.js';
import { RepeatedFailures } from './oauth/repeated-failures.js';
import { ClientCredentialsGrant } from './oauth/client-credentials.js';
import { Introspection } from './oauth/introspection.js';
import { failureThrottle } from './oauth/throttle-stores.js';
import { Revocation } from './oauth/revocation.js';
import { InactivitySweeper } from './pats/inactivity-sweeper.js';
import { LeakRevocation } from './pats/leak-revocation.js';
import { Offboarding } from './pats/offboarding.js';
import { ScimService } from './scim/service.js';
import { OverviewService } from './pats/overview-service.js';
import { PatPresentation } from './pats/pat-presentation.js';
import { PatService } from './pats/pat-service.js';
import { checkRuleScopes } from './pats/policy-rules.js';
import { ApprovalRules } from './pats/approval-rules.js';
import { ApprovalService } from './pats/approvals.js';
import { PatRotation } from './pats/rotation.js';
import { UseSources } from './pats/use-sources.js';
import { UsageCounter } from './pats/usage-counter.js';
import { PatUsageHistory } from './pats/usage-history.js';
import { openRedis, redisReady } from './storage/redis.js';
import { ping } from './storage/dialect.js';
import type { Storage } from './storage/repositories.js';
import { AccessTokens } from './tokens/access-tokens.js';
import { BearerAuthenticator } from './auth/bearer.js';
import { KeyRotation } from './tokens/key-rotation.js';
import {
  DpopNonces,
  DpopVerifier,
  MemoryReplayStore,
  RedisReplayStore,
  SharedReplayStore,
  type DpopReplayStore,
} from './tokens/dpop.js';
import type { SharedState } from './core/shared-state.js';
import type { SharedLimits } from './http/rate-limit.js';
import { SecretDigester } from './tokens/secret.js';
import { LivenessCache } from './auth/liveness-cache.js';
import { createNotifications, type Notifications } from './notifications/notifications.js';
import { systemResolve, type Resolve } from './notifications/ssrf-guard.js';
import { createTransmitter, type Transmitter } from './ssf/transmitter.js';
import { type KeyPairSource, SigningKeys } from './tokens/signing-keys.js';
import { randomHexId } from './core/ids.js';
import { countPatEvents, gaugeSources } from './metrics-sources.js';
import { NO_METRICS, type Metrics } from './metrics/metrics.js';
import { PrometheusMetrics } from './metrics/prometheus.js';
import { NO_TRACING, type Tracing } from './tracing/tracing.js';

export interface ServicesOptions {
  config: Config;
  /** Opened and migrated by the caller; `Services.close()` closes it. */
  storage: Storage;
  masterKey: Buffer;
  clock?: Clock;
  /** Where background faults (lost connections) are reported. */
  logger?: Logger | undefined;
  /** Tests: how webhook hosts resolve (the SSRF guard checks every address). */
  resolve?: Resolve;
  /** Tests: where new signing key pairs come from (made afresh otherwise). */
  keyPairs?: KeyPairSource;
  /**
   * OpenTelemetry traces (`startTracing`, with `tracing.enabled`), the same the storage was opened
   * with; NO_TRACING when absent. `Services.close()` ends it.
   */
  tracing?: Tracing;
  /**
   * A worker's line to the counts its primary keeps for the whole node (`workers` > 1): rate
   * limits, the failure throttle, the sign-in limit, DPoP replays. Redis, when set, wins.
   */
  shared?: SharedState;
  /**
   * Whether this process runs the node's background work: the Shared Signals push and its
   * pruning. True but in the workers of a node other than the first (docs/operations.md, "Workers").
   */
  background?: boolean;
}

/** The services behind the HTTP app, for the CLI, the bootstrap and tests. */
export interface Services {
  config: Config;
  clock: Clock;
  storage: Storage;
  rights: RightsModel;
  tenantId: string;
  baseUrl: string;
  issuer: string;
  keys: SigningKeys;
  accessTokens: AccessTokens;
  bearer: BearerAuthenticator;
  pats: PatService;
  /** approval.rules: requests for sensitive PATs, their decisions and the one secret fetch. */
  approvalRequests: ApprovalService;
  /** What the Patina PAT resource shows beyond the stored PAT: status, use sources, warnings. */
  patPresentation: PatPresentation;
  /** The PAT lifecycle: rotation, leaked-secret revocation, offboarding, the inactivity sweep. */
  rotation: PatRotation;
  leaks: LeakRevocation;
  offboarding: Offboarding;
  inactivitySweeper: InactivitySweeper;
  identities: IdentityService;
  auditQueries: AuditQueryService;
  overview: OverviewService;
  grant: ClientCredentialsGrant;
  oauthCallers: OAuthCallerAuthenticator;
  introspection: Introspection;
  revocation: Revocation;
  keyRotation: KeyRotation;
  expirySweeper: ExpirySweeper;
  housekeeping: Housekeeping;
  /** Webhooks, mail, the outbox and its delivery worker, expiry warnings, the calendar feed. */
  notifications: Notifications;
  /** The web console's sessions and sign-in through SSO. */
  console: ConsoleServices;
  /** The Shared Signals transmitter: streams, SETs, poll and push delivery. */
  ssf: Transmitter;
  /** RFC 9449 proofs: for the token endpoint and the bearer check. */
  dpop: DpopVerifier;
  /** Workload identity federation: trust policies and the exchange of a workload's OIDC token. */
  federation: {
    trustPolicies: TrustPolicyService;
    exchange: FederatedExchange;
    delegation: DelegatedExchange;
  };
  /** Shared counters for rate limits and the lockout, when `redis.url` is set. */
  redis: Redis | undefined;
  /** Where rate-limit buckets are counted beyond this process: Redis, or the workers' primary. */
  sharedLimits: SharedLimits | undefined;
  /** Identical failed exchanges of a minute, counted into one audit row. */
  repeatedFailures: RepeatedFailures;
  /** Access reviews (certification campaigns): start, decide, close, report. */
  accessReviews: AccessReviewService;
  /** Exchanges per PAT and UTC day: counted in memory, added to the database every few seconds. */
  patUsage: UsageCounter;
  /** A PAT's usage history as its detail shows it (GET .../personal-access-tokens/{id}/usage). */
  usageHistory: PatUsageHistory;
  /** The SCIM 2.0 service provider the directory provisions identities with (docs/scim.md). */
  scim: ScimService;
  /** Prometheus metrics when `metrics.port` is set; a no-op otherwise. */
  metrics: Metrics;
  /** OpenTelemetry spans when `tracing.enabled`; a no-op otherwise. */
  tracing: Tracing;
  /** One round trip to the database; throws when it cannot be reached. */
  ping(): Promise<void>;
  /** Stops listening for changes and closes the database pool (and Redis, when used). */
  close(): Promise<void>;
}

const REDIS_START_WAIT_MS = 3000;
/** How far a DPoP proof's iat may be off this node's clock. */
const DPOP_CLOCK_SKEW_SECONDS = 5;

/** Composes every service from a config, ready storage and the master key. */
export async function createServices(options: ServicesOptions): Promise<Services> {
  const { config, storage, masterKey } = options;
  const clock = options.clock ?? systemClock;
  const baseUrl = publicBaseUrl(config);
  const issuer = config.issuer ?? baseUrl;
  const audience = config.audience ?? issuer;
  const tenantId = await storage.repos.settings.getOrCreate('tenant_id', randomHexId());
  const tracing = options.tracing ?? NO_TRACING;
  const metrics =
    config.metrics.port === null
      ? NO_METRICS
      : new PrometheusMetrics({ clock, logger: options.logger });
  const keys = new SigningKeys(storage, masterKey, clock, {
    ...(options.keyPairs && { keyPairs: options.keyPairs }),
  });
  await keys.init(config.signing.algorithm);
  const rights = new RightsModel(config);
  checkRuleScopes(config.policy.rules, rights);
  const approvals = new ApprovalRules(config.approval.rules, rights);
  approvals.check();
  const audit = new AuditLog(clock);
  const notifications = createNotifications({
    config,
    storage,
    audit,
    clock,
    masterKey,
    baseUrl,
    logger: options.logger,
    metrics,
    tracing,
    ...(options.resolve && { resolve: options.resolve }),
  });
  const ssf = await createTransmitter({
    config,
    storage,
    audit,
    clock,
    masterKey,
    issuer,
    baseUrl,
    logger: options.logger,
    metrics,
    tracing,
    background: options.background !== false,
    ...(options.resolve && { resolve: options.resolve }),
    ...(options.keyPairs && { keyPairs: options.keyPairs }),
  });
  const digester = new SecretDigester(masterKey);
  const accessTokens = new AccessTokens({
    keys,
    clock,
    issuer,
    audience,
    tenantId,
    org: config.tenant.org,
    metrics,
    tracing,
  });
  const consoleSealer = makeConsoleSealer(masterKey);
  const consoleSessions = new ConsoleSessions({
    storage,
    clock,
    sealer: consoleSealer,
    accessTokens,
    rights,
    settings: config.console,
  });
  const cache = new LivenessCache(storage.feed, metrics);
  const redisUrl = config.redis.url;
  const redis = redisUrl
    ? openRedis({ ...config.redis, url: redisUrl }, options.logger)
    : undefined;
  const dpop = new DpopVerifier({
    clock,
    replay: replayStore(config, clock, redis, options.shared),
    settings: {
      proofMaxAgeSeconds: config.dpop.proofMaxAgeSeconds,
      clockSkewSeconds: DPOP_CLOCK_SKEW_SECONDS,
      nonces: config.dpop.requireNonce ? new DpopNonces(masterKey, clock) : undefined,
    },
  });
  const bearer = new BearerAuthenticator({
    accessTokens,
    pats: consoleCredentials(
      federatedCredentials(storage.repos.patCredentials, storage.repos.trustPolicies),
      consoleSessions,
    ),
    revocations: storage.repos.revocations,
    cache,
    rights,
    clock,
  });
  if (redis && !(await redisReady(redis, REDIS_START_WAIT_MS))) {
    options.logger?.warn('redis not reachable at start: limits count per node until it is');
  }
  const counts = { config, clock, redis, shared: options.shared };
  const throttle = failureThrottle(counts);
  const repeatedFailures = new RepeatedFailures({ storage, clock });
  const patUsage = new UsageCounter({
    usage: storage.repos.patUsage,
    clock,
    logger: options.logger,
  });
  const clients = new ClientAuthenticator({
    storage,
    audit,
    clock,
    digester,
    throttle,
    repeated: repeatedFailures,
    policy: config.policy,
    tracing,
    metrics,
    usage: patUsage,
  });
  const keyRotation = new KeyRotation({
    keys,
    storage,
    audit,
    clock,
    algorithm: config.signing.algorithm,
    rotateAfterDays: config.signing.rotateAfterDays,
    overlapSeconds: config.policy.accessTokenValiditySeconds.max,
  });
  const expirySweeper = new ExpirySweeper({ storage, audit, clock });
  const allowedAudiences = new Set([audience, ...config.resources]);
  const federationUrls = {
    allowHttp: config.federation.allowHttp,
    allowPrivateNetworks: config.federation.allowPrivateNetworks,
  };
  const federatedExchange = new FederatedExchange({
    storage,
    rights,
    audit,
    clock,
    accessTokens,
    repeated: repeatedFailures,
    keys: new IssuerKeys({
      policy: {
        ...federationUrls,
        naming: { field: 'issuer', settings: 'federation', example: 'https://issuer.example' },
      },
      resolve: options.resolve ?? systemResolve,
      now: () => clock.now().getTime(),
    }),
    settings: config.federation,
    allowedAudiences,
    liveness: cache,
  });
  const federation = {
    exchange: federatedExchange,
    delegation: new DelegatedExchange({
      bearer,
      accessTokens,
      rights,
      clock,
      federated: federatedExchange,
      allowedAudiences,
      maxDepth: config.federation.maxDelegationDepth,
    }),
    trustPolicies: new TrustPolicyService({
      storage,
      audit,
      clock,
      rights,
      urls: federationUrls,
      defaultAudience: issuer,
    }),
  };
  const pats = new PatService({
    storage,
    rights,
    audit,
    clock,
    policy: config.policy,
    digester,
    approvals,
  });
  const approvalRequests = new ApprovalService({
    storage,
    audit,
    clock,
    approvals,
    pats,
    masterKey,
    secretWindowHours: config.approval.secretWindowHours,
  });
  const accessReviews = new AccessReviewService({
    storage,
    audit,
    clock,
    rights,
    reminderDaysBefore: config.accessReviews.reminderDaysBefore,
  });
  const inactivitySweeper = new InactivitySweeper({ storage, audit, clock, policy: config.policy });
  if (metrics.enabled) {
    storage.observeGroupCommits((size) => metrics.groupCommitted(size));
    storage.observeLockWaits((seconds) => metrics.lockWaited(seconds));
    countPatEvents(audit, metrics);
    metrics.watch(
      gaugeSources({
        storage,
        clock,
        keys,
        accessTokens,
        redis,
        rotateAfterDays: config.signing.rotateAfterDays,
        expiringSoonDays: config.policy.expiringSoonDays,
      }),
    );
  }
  return {
    config,
    clock,
    storage,
    rights,
    tenantId,
    baseUrl,
    issuer,
    keys,
    accessTokens,
    bearer,
    pats,
    approvalRequests,
    patPresentation: new PatPresentation({ storage, rights, clock, policy: config.policy }),
    rotation: new PatRotation({ storage, audit, clock, digester }),
    leaks: new LeakRevocation({ storage, audit, clock, digester }),
    offboarding: new Offboarding({ storage, audit, clock }),
    inactivitySweeper,
    identities: new IdentityService({ storage, rights, audit, clock }),
    auditQueries: new AuditQueryService(storage),
    overview: new OverviewService({ storage, clock }),
    grant: new ClientCredentialsGrant({
      storage,
      rights,
      audit,
      clock,
      clients,
      accessTokens,
      useSources: new UseSources({ storage, clock }),
      usage: patUsage,
      allowedAudiences,
      tenant: { id: tenantId, org: config.tenant.org, pod: config.tenant.pod },
    }),
    oauthCallers: new OAuthCallerAuthenticator({ clients, bearer, rights }),
    introspection: new Introspection({ bearer }),
    revocation: new Revocation({ storage, accessTokens, audit, clock }),
    keyRotation,
    expirySweeper,
    housekeeping: new Housekeeping({
      accessReviews: new AccessReviewSweep({
        service: accessReviews,
        storage,
        audit,
        clock,
        reminderDaysBefore: config.accessReviews.reminderDaysBefore,
      }),
      expirySweeper,
      inactivitySweeper,
      expiryWarnings: notifications.expiryWarnings,
      keySets: [
        { keys, rotation: keyRotation },
        { keys: ssf.keys, rotation: ssf.keyRotation },
      ],
      storage,
      clock,
      usageHistoryDays: config.accessReviews.usageHistoryDays,
      approvalRequests,
    }),
    notifications,
    console: {
      sessions: consoleSessions,
      sealer: consoleSealer,
      sso: ssoClient(config, baseUrl),
      signInLimit: consoleSignInLimit(counts),
    },
    ssf,
    dpop,
    federation,
    redis,
    sharedLimits: redis
      ? { redis, keyPrefix: config.redis.keyPrefix }
      : options.shared && { state: options.shared },
    ping: () => ping(storage.db),
    repeatedFailures,
    accessReviews,
    patUsage,
    usageHistory: new PatUsageHistory({ storage, clock }),
    scim: new ScimService({
      storage,
      identities: new IdentityService({ storage, rights, audit, clock }),
      offboarding: new Offboarding({ storage, audit, clock }),
      rights,
      clock,
      config: config.scim,
      baseUrl,
      digester,
      bearer,
      audit,
    }),
    metrics,
    tracing,
    close: async () => {
      await repeatedFailures.close();
      await patUsage.close().catch((error: unknown) => {
        options.logger?.warn({ err: error }, 'usage history: the last counts were not stored');
      });
      await ssf.close();
      await notifications.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
      cache.close();
      federatedExchange.close();
      keys.close();
      metrics.close();
      await storage.close();
      // Last: the spans of everything above are sent before it stops.
      await tracing.close();
    },
  };
}

/** DPoP proofs' jtis: in Redis for every node, at the primary for a node's workers, or here. */
function replayStore(
  config: Config,
  clock: Clock,
  redis: Redis | undefined,
  shared: SharedState | undefined,
): DpopReplayStore {
  const local = new MemoryReplayStore(clock);
  if (redis) return new RedisReplayStore(redis, `${config.redis.keyPrefix}dpop:`, local);
  return shared ? new SharedReplayStore(shared, local) : local;
}
