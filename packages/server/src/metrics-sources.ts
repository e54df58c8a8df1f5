import type { AuditEventType } from '@patina/contract';
import type { Redis } from 'ioredis';
import type { AuditLog } from './audit/audit-log.js';
import type { Clock } from './core/clock.js';
import { DAY_MS } from './core/time.js';
import type { GaugeSources, Metrics, OutboxState, PatEvent } from './metrics/metrics.js';
import { statusWindow } from './pats/status.js';
import { PostgresChangeListener } from './storage/change-feed.js';
import { GaugesRepository, type OutboxCount } from './storage/gauges-repository.js';
import type { Storage } from './storage/repositories.js';
import type { AccessTokens } from './tokens/access-tokens.js';
import type { SigningKeys } from './tokens/signing-keys.js';

/**
 * What each gauge of docs/operations.md ("Metrics") reads at scrape time: the database counts
 * (cached by the metrics), and the state this node holds in memory.
 */
export function gaugeSources(deps: {
  storage: Storage;
  clock: Clock;
  keys: SigningKeys;
  accessTokens: AccessTokens;
  redis: Redis | undefined;
  rotateAfterDays: number | null;
  expiringSoonDays: number;
}): GaugeSources {
  const { storage, clock, keys } = deps;
  const counts = new GaugesRepository(storage.db);
  const feed = storage.feed;
  const pool = storage.pool;
  const redis = deps.redis;
  const rotateAfterDays = deps.rotateAfterDays;
  return {
    outboxes: async () => {
      const [notifications, push] = await Promise.all([
        counts.notificationOutboxes(),
        counts.pushOutbox(),
      ]);
      return {
        webhook: outboxState(notifications.webhook),
        mail: outboxState(notifications.mail),
        ssf_push: outboxState(push),
      };
    },
    pats: () => counts.patCounts(statusWindow(clock.now(), deps.expiringSoonDays)),
    signingKeysPublished: () => keys.published().length,
    // The schedule of KeyRotation.rotateIfDue: the signing key's creation + rotateAfterDays.
    signingKeyRotationDueSeconds:
      rotateAfterDays === null
        ? undefined
        : () => {
            const created = keys.find(keys.current().kid)?.created;
            const dueMs = Date.parse(created ?? '') + rotateAfterDays * DAY_MS;
            return (dueMs - clock.now().getTime()) / 1000;
          },
    verifiedTokenCacheEntries: () => deps.accessTokens.verifiedCacheEntries,
    changeFeed:
      feed instanceof PostgresChangeListener
        ? () => ({ connected: feed.connected, lastHeardAgeSeconds: feed.lastHeardAgeSeconds })
        : undefined,
    pool:
      pool &&
      (() => ({
        inUse: pool.totalCount - pool.idleCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
      })),
    redisConnected: redis && (() => redis.status === 'ready'),
    sqlite: storage.dialect === 'sqlite',
  };
}

/** The audit events that are PAT lifecycle events (patina_pat_events_total). */
const PAT_EVENTS: Partial<Record<AuditEventType, PatEvent>> = {
  PERSONAL_ACCESS_TOKEN_CREATED: 'created',
  PERSONAL_ACCESS_TOKEN_ROTATED: 'rotated',
  PERSONAL_ACCESS_TOKEN_DELETED: 'deleted',
};

/**
 * Counts PAT lifecycle events as the audit log records them: one mechanism that every code path
 * that creates, rotates, deletes or revokes a PAT already goes through, so none of them has to
 * remember a metrics call. Counted as the event is recorded, inside its transaction: a
 * transaction that failed after recording its event would still be counted.
 */
export function countPatEvents(audit: AuditLog, metrics: Pick<Metrics, 'patEvent'>): void {
  audit.subscribe((_repos, event) => {
    const leaked =
      event.type === 'PERSONAL_ACCESS_TOKEN_REVOKED' && event.details.reason === 'LEAKED';
    const counted = leaked ? 'leak_revoked' : PAT_EVENTS[event.type];
    if (counted) metrics.patEvent(counted);
    return Promise.resolve();
  });
}

function outboxState(count: OutboxCount): OutboxState {
  return { depth: count.depth, oldestMs: count.oldest === null ? null : Date.parse(count.oldest) };
}
