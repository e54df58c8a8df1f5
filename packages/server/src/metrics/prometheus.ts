import type { Logger } from 'pino';
import { Gauge, Registry, type Metric } from 'prom-client';
import type { Clock } from '../core/clock.js';
import {
  DELIVERY_OUTCOMES,
  OUTBOXES,
  PAT_EVENTS,
  PAT_GAUGE_STATUSES,
  snakeCase,
  type DeliveryOutcome,
  type FamilySnapshot,
  type GaugeSources,
  type HttpResponse,
  type LivenessLookup,
  type Metrics,
  type Outbox,
  type OutboxState,
  type PatEvent,
} from './metrics.js';
import {
  CounterFamily,
  HistogramFamily,
  type CounterChild,
  type HistogramChild,
} from './families.js';
import { processMetrics } from './process-metrics.js';
import { ScrapeCache } from './scrape-cache.js';

/** docs/operations.md, "Metrics": from 100 µs (a cached bearer check) to 1 s. */
const HTTP_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];
/** An ES256 or EdDSA signature takes tens of microseconds, an RS256 one about a millisecond. */
const SIGNING_BUCKETS = [0.00002, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01];
/** GroupCommit takes at most 64 transactions at once. */
const GROUP_COMMIT_BUCKETS = [1, 2, 4, 8, 16, 32, 64];
/**
 * From 10 µs (no other writer: `begin immediate` takes the free lock) to 5 s, SQLite's
 * busy_timeout, after which the transaction fails.
 */
const LOCK_WAIT_BUCKETS = [
  0.00001, 0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
/** How stale the outbox gauges may be: a scrape storm costs one query per period. */
export const OUTBOX_CACHE_MS = 5_000;
/** How stale `patina_pats` may be (METRICS catalogue: at most 30 s). */
export const PAT_COUNT_CACHE_MS = 30_000;

/** The methods Node's HTTP parser accepts that Patina serves; anything else is `other`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** More distinct values than this in one label is a bug; the rest are counted as `other`. */
const MAX_LABEL_VALUES = 200;
/** Outcome words whose series is remembered (the words Patina says are far fewer). */
const MAX_REMEMBERED_OUTCOMES = 256;

/** One route's series: its duration, and its request counters by method and status class. */
interface RouteSeries {
  duration: HistogramChild<'route'>;
  /** Method → the counters indexed by the status code's first digit (2 for `2xx`). */
  requests: Map<string, (CounterChild<'route' | 'method' | 'status_class'> | undefined)[]>;
}

/** An outcome label, capped, with its series per outcome word said. */
class OutcomeSeries {
  readonly #label: BoundedLabel;
  readonly #children = new Map<string, CounterChild<'outcome'>>();

  constructor(
    private readonly family: CounterFamily<'outcome'>,
    max: number,
  ) {
    this.#label = new BoundedLabel(max);
  }

  /**
   * The series of an outcome word (`snakeCase`), remembered: outcomes are a handful of words said
   * on every request, so the regular expressions and the label lookup run once per word.
   */
  of(outcome: string): CounterChild<'outcome'> {
    let child = this.#children.get(outcome);
    if (child === undefined) {
      child = this.family.child({ outcome: this.#label.of(snakeCase(outcome)) });
      if (this.#children.size < MAX_REMEMBERED_OUTCOMES) this.#children.set(outcome, child);
    }
    return child;
  }
}

/**
 * A label whose values come from code (route templates, failure reasons), capped all the same:
 * a mistake that let a request choose a label value would cost one series, not one per request.
 */
class BoundedLabel {
  readonly #seen = new Set<string>();

  constructor(private readonly max = MAX_LABEL_VALUES) {}

  of(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.max || value === '') return 'other';
    this.#seen.add(value);
    return value;
  }
}

export interface PrometheusMetricsOptions {
  clock: Clock;
  /** Where a failed scrape-time read is reported. */
  logger?: Pick<Logger, 'warn'> | undefined;
}

/**
 * The metrics of one services instance, in a registry of its own (never prom-client's global
 * one): two apps in one process (tests) count apart. Every family is made here, once.
 */
export class PrometheusMetrics implements Metrics {
  readonly enabled = true;
  readonly registry = new Registry();
  readonly #clock: Clock;
  readonly #logger: Pick<Logger, 'warn'> | undefined;
  readonly #routes = new BoundedLabel();
  readonly #routeSeries = new Map<string, RouteSeries>();
  #watching = false;

  readonly #httpRequests: CounterFamily<'route' | 'method' | 'status_class'>;
  readonly #httpDuration: HistogramFamily<'route'>;
  readonly #exchanges: OutcomeSeries;
  readonly #signing: HistogramChild;
  readonly #bearerChecks: OutcomeSeries;
  readonly #livenessLookups: Record<LivenessLookup, CounterChild>;
  readonly #patEvents: CounterFamily<'event'>;
  readonly #deliveries: CounterFamily<'outbox' | 'outcome'>;
  readonly #webhooksDisabled: CounterChild;
  readonly #throttleEngaged: CounterChild;
  readonly #groupCommitFamily: HistogramFamily;
  readonly #groupCommits: HistogramChild;
  readonly #lockWaitFamily: HistogramFamily;
  readonly #lockWaits: HistogramChild;
  /** The gauges read from the database: the same in every worker, so one worker reports them. */
  readonly #databaseGauges = new Set<string>();

  constructor(options: PrometheusMetricsOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger;
    const registers = [this.registry];
    this.#httpRequests = new CounterFamily({
      name: 'patina_http_requests_total',
      help: 'Requests answered by the public listener, by route template (or "unmatched"), method and status class.',
      labelNames: ['route', 'method', 'status_class'],
      registers,
    });
    this.#httpDuration = new HistogramFamily({
      name: 'patina_http_request_duration_seconds',
      help: 'Time from request to response on the public listener, by route template.',
      labelNames: ['route'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.#exchanges = new OutcomeSeries(
      new CounterFamily({
        name: 'patina_token_exchanges_total',
        help: 'Exchanges at /oauth/token: success, or the failure reason the audit trail records.',
        labelNames: ['outcome'],
        registers,
      }),
      64,
    );
    this.#exchanges.of('success');
    this.#signing = new HistogramFamily({
      name: 'patina_token_signing_duration_seconds',
      help: 'Time to sign one access token.',
      buckets: SIGNING_BUCKETS,
      registers,
    }).child();
    this.#bearerChecks = new OutcomeSeries(
      new CounterFamily({
        name: 'patina_bearer_checks_total',
        help: "Bearer checks on Patina's API: valid, or why the token was refused.",
        labelNames: ['outcome'],
        registers,
      }),
      64,
    );
    const livenessLookups = new CounterFamily({
      name: 'patina_liveness_cache_lookups_total',
      help: 'Lookups in the liveness cache (the PAT behind an access token, and whether its jti is revoked): hit or miss.',
      labelNames: ['result'],
      registers,
    });
    this.#livenessLookups = {
      hit: livenessLookups.child({ result: 'hit' }),
      miss: livenessLookups.child({ result: 'miss' }),
    };
    this.#patEvents = new CounterFamily({
      name: 'patina_pat_events_total',
      help: 'PAT lifecycle events on this node: created, rotated, deleted, leak_revoked.',
      labelNames: ['event'],
      registers,
    });
    for (const event of PAT_EVENTS) this.#patEvents.child({ event });
    this.#deliveries = new CounterFamily({
      name: 'patina_deliveries_total',
      help: 'Delivery attempts of the outboxes by outcome: delivered, retried (tried again later) or failed (given up).',
      labelNames: ['outbox', 'outcome'],
      registers,
    });
    for (const outbox of OUTBOXES) {
      for (const outcome of DELIVERY_OUTCOMES) this.#deliveries.child({ outbox, outcome });
    }
    this.#webhooksDisabled = new CounterFamily({
      name: 'patina_webhooks_disabled_total',
      help: 'Webhook endpoints disabled after failing for five days or answering 410 Gone.',
      registers,
    }).child();
    this.#throttleEngaged = new CounterFamily({
      name: 'patina_failure_throttle_engaged_total',
      help: 'Times a client id or an address entered the failure throttle (its failed exchanges answered 429).',
      registers,
    }).child();
    // Registered by watch(), on SQLite only.
    this.#groupCommitFamily = new HistogramFamily({
      name: 'patina_sqlite_group_commit_batch_size',
      help: 'Transactions committed together by one SQLite group commit.',
      buckets: GROUP_COMMIT_BUCKETS,
      registers: [],
    });
    this.#groupCommits = this.#groupCommitFamily.child();
    this.#lockWaitFamily = new HistogramFamily({
      name: 'patina_sqlite_lock_wait_seconds',
      help: "Time a SQLite transaction waited for the write lock (another process's transaction held it).",
      buckets: LOCK_WAIT_BUCKETS,
      registers: [],
    });
    this.#lockWaits = this.#lockWaitFamily.child();
    for (const metric of processMetrics()) this.registry.registerMetric(metric);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Every request: the route's series are found by the route template, then by method and status
   * class in arrays and maps made once, so a request allocates no label object and builds no key.
   */
  httpResponse(response: HttpResponse): void {
    const route = this.#routes.of(response.route ?? 'unmatched');
    let series = this.#routeSeries.get(route);
    if (series === undefined) {
      series = { duration: this.#httpDuration.child({ route }), requests: new Map() };
      this.#routeSeries.set(route, series);
    }
    const method = METHODS.has(response.method) ? response.method : 'other';
    let byClass = series.requests.get(method);
    if (byClass === undefined) {
      byClass = [];
      series.requests.set(method, byClass);
    }
    const statusClass = Math.floor(response.statusCode / 100);
    let requests = byClass[statusClass];
    if (requests === undefined) {
      requests = this.#httpRequests.child({ route, method, status_class: `${statusClass}xx` });
      byClass[statusClass] = requests;
    }
    requests.inc();
    series.duration.observe(response.seconds);
  }

  tokenExchange(outcome: string): void {
    this.#exchanges.of(outcome).inc();
  }

  timeSigning<T>(sign: () => T): T {
    const startMs = performance.now();
    try {
      return sign();
    } finally {
      this.#signing.observe((performance.now() - startMs) / 1000);
    }
  }

  bearerCheck(outcome: string): void {
    this.#bearerChecks.of(outcome).inc();
  }

  livenessLookup(result: LivenessLookup): void {
    this.#livenessLookups[result].inc();
  }

  patEvent(event: PatEvent): void {
    this.#patEvents.child({ event }).inc();
  }

  delivery(outbox: Outbox, outcome: DeliveryOutcome): void {
    this.#deliveries.child({ outbox, outcome }).inc();
  }

  webhookDisabled(): void {
    this.#webhooksDisabled.inc();
  }

  failureThrottleEngaged(): void {
    this.#throttleEngaged.inc();
  }

  groupCommitted(size: number): void {
    this.#groupCommits.observe(size);
  }

  lockWaited(seconds: number): void {
    this.#lockWaits.observe(seconds);
  }

  watch(sources: GaugeSources): void {
    if (this.#watching) throw new Error('metrics are already watching');
    this.#watching = true;
    const registers = [this.registry];
    // The gauges read from memory come first: a scrape collects in this order, and the pool's
    // counts must be read before the database reads below take connections from it.
    new Gauge({
      name: 'patina_signing_keys_published',
      help: 'Keys in the JWKS: the signing key and retired keys still verifying.',
      registers,
      // Every worker holds the same keys; one that has not heard of a rotation yet lags behind.
      aggregator: 'max',
      collect() {
        this.set(sources.signingKeysPublished());
      },
    });
    const dueSeconds = sources.signingKeyRotationDueSeconds;
    if (dueSeconds) {
      new Gauge({
        name: 'patina_signing_key_rotation_due_seconds',
        help: "Seconds until the signing key's scheduled rotation (signing.rotateAfterDays); negative when overdue.",
        registers,
        aggregator: 'max',
        collect() {
          this.set(dueSeconds());
        },
      });
    }
    const cacheEntries = sources.verifiedTokenCacheEntries;
    if (cacheEntries) {
      new Gauge({
        name: 'patina_verified_token_cache_entries',
        help: 'Access tokens whose signature check is cached.',
        registers,
        // Each worker has a cache of its own: the fullest one says whether the cache is too small.
        aggregator: 'max',
        collect() {
          this.set(cacheEntries());
        },
      });
    }
    const feed = sources.changeFeed;
    if (feed) {
      new Gauge({
        name: 'patina_change_feed_connected',
        help: "1 while the PostgreSQL LISTEN connection that carries other nodes' changes is up.",
        registers,
        // Each worker listens on a connection of its own: 0 when any of them is down.
        aggregator: 'min',
        collect() {
          this.set(feed().connected ? 1 : 0);
        },
      });
      new Gauge({
        name: 'patina_change_feed_last_notification_age_seconds',
        help: 'Seconds since the change listener last heard from PostgreSQL (a change or its heartbeat).',
        registers,
        aggregator: 'max',
        collect() {
          this.set(feed().lastHeardAgeSeconds);
        },
      });
    }
    const pool = sources.pool;
    if (pool) {
      new Gauge({
        name: 'patina_db_pool_connections',
        help: 'PostgreSQL pool: connections in use, idle, and requests waiting for one.',
        labelNames: ['state'],
        registers,
        collect() {
          const counts = pool();
          this.set({ state: 'in_use' }, counts.inUse);
          this.set({ state: 'idle' }, counts.idle);
          this.set({ state: 'waiting' }, counts.waiting);
        },
      });
    }
    const redis = sources.redisConnected;
    if (redis) {
      new Gauge({
        name: 'patina_redis_connected',
        help: '1 while the Redis connection for shared limits is ready.',
        registers,
        aggregator: 'min',
        collect() {
          this.set(redis() ? 1 : 0);
        },
      });
    }
    const onError = (error: unknown) =>
      this.#logger?.warn({ err: error }, 'metrics: a scrape-time read failed; showing the last');
    const outboxes = new ScrapeCache({
      read: () => sources.outboxes(),
      ttlMs: OUTBOX_CACHE_MS,
      clock: this.#clock,
      onError,
    });
    const pats = new ScrapeCache({
      read: () => sources.pats(),
      ttlMs: PAT_COUNT_CACHE_MS,
      clock: this.#clock,
      onError,
    });
    const clock = this.#clock;
    const databaseGauges = this.#databaseGauges;
    const outboxGauge = (
      name: string,
      help: string,
      value: (state: OutboxState, nowMs: number) => number,
    ) => {
      databaseGauges.add(name);
      return new Gauge({
        name,
        help,
        labelNames: ['outbox'],
        registers,
        aggregator: 'first',
        async collect() {
          const states = await outboxes.get();
          if (!states) return;
          const nowMs = clock.now().getTime();
          for (const outbox of OUTBOXES) this.set({ outbox }, value(states[outbox], nowMs));
        },
      });
    };
    outboxGauge('patina_outbox_depth', 'Items waiting in each outbox.', (state) => state.depth);
    outboxGauge(
      'patina_outbox_oldest_age_seconds',
      'Age of the oldest item waiting in each outbox; 0 when it is empty.',
      (state, nowMs) =>
        state.oldestMs === null ? 0 : Math.max(0, (nowMs - state.oldestMs) / 1000),
    );
    new Gauge({
      name: 'patina_pats',
      help: 'PATs by status: active, expiring (within policy.expiringSoonDays), expired (not deleted), revoked by Patina. Counted at most every 30 s.',
      labelNames: ['status'],
      registers,
      aggregator: 'first',
      async collect() {
        const counts = await pats.get();
        if (!counts) return;
        for (const status of PAT_GAUGE_STATUSES) {
          this.set({ status }, counts[status]);
        }
      },
    });
    databaseGauges.add('patina_pats');
    if (sources.sqlite) {
      this.registry.registerMetric(this.#groupCommitFamily);
      this.registry.registerMetric(this.#lockWaitFamily);
    }
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * What `registry.getMetricsAsJSON()` gives (no default labels are set), the database gauges
   * left out unless asked for: of a node's workers one reads them, not each of them.
   */
  async snapshot(options: { database: boolean }): Promise<FamilySnapshot[]> {
    const families = this.registry
      .getMetricsAsArray()
      .filter(
        ({ name }) => options.database || !this.#databaseGauges.has(name),
      ) as unknown as Metric[];
    const values = await Promise.all(families.map((metric) => metric.get()));
    // prom-client's types call `type` an enum; at run time it is the word ('counter', 'gauge').
    return values as unknown as FamilySnapshot[];
  }

  close(): void {
    this.registry.clear();
  }
}
