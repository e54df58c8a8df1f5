/**
 * What the services tell the metrics (docs/operations.md, "Metrics"), and the label values they
 * may use. Every label value comes from code, never from a request: a client id, an identity, an
 * address or a path with ids in it would make a series per caller, and Prometheus (and this
 * node's memory) would grow with the callers.
 */

export const OUTBOXES = ['webhook', 'mail', 'ssf_push'] as const;
export type Outbox = (typeof OUTBOXES)[number];

export const DELIVERY_OUTCOMES = ['delivered', 'retried', 'failed'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export const PAT_EVENTS = ['created', 'rotated', 'deleted', 'leak_revoked'] as const;
export type PatEvent = (typeof PAT_EVENTS)[number];

export const PAT_GAUGE_STATUSES = ['active', 'expiring', 'expired', 'revoked'] as const;
export type PatGaugeStatus = (typeof PAT_GAUGE_STATUSES)[number];

export type LivenessLookup = 'hit' | 'miss';

/** One request answered by the public listener. */
export interface HttpResponse {
  /** Fastify's route template (`/v3/personal-access-tokens/:id`); undefined when none matched. */
  route: string | undefined;
  method: string;
  statusCode: number;
  seconds: number;
}

/** One outbox as a scrape sees it. */
export interface OutboxState {
  depth: number;
  /** When the oldest waiting item was made, in epoch milliseconds; null when none waits. */
  oldestMs: number | null;
}

/**
 * Where the gauges read their values at scrape time. The two database reads are cached by the
 * metrics (a scrape storm costs at most one query per cache period); the rest are in memory.
 * A source left out is a family left out: no change feed on SQLite, no Redis when it is not
 * configured, no rotation gauge without a rotation schedule.
 */
export interface GaugeSources {
  outboxes(): Promise<Record<Outbox, OutboxState>>;
  pats(): Promise<Record<PatGaugeStatus, number>>;
  signingKeysPublished(): number;
  /** Seconds until the signing key's scheduled rotation (negative when overdue). */
  signingKeyRotationDueSeconds?: (() => number) | undefined;
  verifiedTokenCacheEntries?: (() => number) | undefined;
  /** PostgreSQL: the LISTEN connection, and seconds since it last heard (since its start, if never). */
  changeFeed?: (() => { connected: boolean; lastHeardAgeSeconds: number }) | undefined;
  pool?: (() => { inUse: number; idle: number; waiting: number }) | undefined;
  redisConnected?: (() => boolean) | undefined;
  /** Whether the database is SQLite: its group commit and write-lock waits are shown. */
  sqlite?: boolean;
}

/**
 * One family as prom-client's `registry.getMetricsAsJSON()` gives it: what a worker sends its
 * primary, which adds the workers' families up (cluster aggregation) by their `aggregator`.
 */
export interface FamilySnapshot {
  name: string;
  help: string;
  type: string;
  /** How the primary adds the workers' values up: prom-client's aggregators. */
  aggregator: 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';
  values: { value: number; labels: Record<string, string | number>; metricName?: string }[];
}

/** What a scrape listener serves: the text exposition, and its content type. */
export interface Scrapeable {
  scrape(): Promise<string>;
  readonly contentType: string;
}

/**
 * The typed calls the services make. With metrics off (`metrics.port` null) every call is a
 * no-op (NO_METRICS), so the hot paths pay a function call and nothing else.
 */
export interface Metrics extends Scrapeable {
  readonly enabled: boolean;
  /** A request of the public listener was answered. */
  httpResponse(response: HttpResponse): void;
  /** An exchange at /oauth/token: `success`, or the failure reason the audit trail records. */
  tokenExchange(outcome: string): void;
  /** Signs an access token, timing it. */
  timeSigning<T>(sign: () => T): T;
  /** A bearer check on Patina's API: `valid`, or why the token was refused. */
  bearerCheck(outcome: string): void;
  livenessLookup(result: LivenessLookup): void;
  patEvent(event: PatEvent): void;
  delivery(outbox: Outbox, outcome: DeliveryOutcome): void;
  webhookDisabled(): void;
  failureThrottleEngaged(): void;
  /** SQLite committed `size` transactions together. */
  groupCommitted(size: number): void;
  /** A SQLite transaction waited this long for the write lock. */
  lockWaited(seconds: number): void;
  /** Connects the gauges to what they read; called once, when every service exists. */
  watch(sources: GaugeSources): void;
  /**
   * Every family as values, for the primary of a node with workers to add up. `database`: with
   * the gauges read from the database, which one worker reports for the node.
   */
  snapshot(options: { database: boolean }): Promise<FamilySnapshot[]>;
  /** Drops every family; the metrics are unusable afterwards. */
  close(): void;
}

const nothing = (): void => undefined;

/** Metrics off: nothing is counted, nothing is registered, nothing listens. */
export const NO_METRICS: Metrics = {
  enabled: false,
  httpResponse: nothing,
  tokenExchange: nothing,
  timeSigning: (sign) => sign(),
  bearerCheck: nothing,
  livenessLookup: nothing,
  patEvent: nothing,
  delivery: nothing,
  webhookDisabled: nothing,
  failureThrottleEngaged: nothing,
  groupCommitted: nothing,
  lockWaited: nothing,
  watch: nothing,
  snapshot: () => Promise.resolve([]),
  scrape: () => Promise.reject(new Error('metrics are off (metrics.port is null)')),
  contentType: 'text/plain; charset=utf-8',
  close: nothing,
};

/**
 * A reason as a label value, in lower snake case: `ROTATED_SECRET_REUSED` → `rotated_secret_reused`,
 * `TOKEN_EXPIRED` stays itself lower-cased, `ownerDisabled` → `owner_disabled`.
 */
export function snakeCase(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 48);
}
