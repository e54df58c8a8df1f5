import type { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { SharedState } from '../core/shared-state.js';
import { keyPart } from '../storage/redis.js';
import { FailureThrottle } from './failure-throttle.js';
import { Lockout, type LockoutPolicy, type LockoutStore } from './lockout.js';
import { RedisLockout } from './redis-lockout.js';
import { SharedLockout } from './shared-lockout.js';

/** Redis key prefixes of the two counts, under `redis.keyPrefix`. */
const BY_CLIENT = 'lockout:client-ip:';
const BY_ADDRESS = 'lockout:ip:';

/** Where counts are kept: Redis (every node), the primary (every worker of a node), or here. */
export interface CountStores {
  config: Config;
  clock: Clock;
  redis: Redis | undefined;
  /** A worker's line to its primary's counts (`workers` > 1); undefined in a single process. */
  shared?: SharedState | undefined;
}

/**
 * The failure throttle from the config: counted in this process, by the primary for all of a
 * node's workers, or in Redis (shared by every node, with this process's count as the fallback
 * while Redis is away).
 */
export function failureThrottle(deps: CountStores) {
  const { maxFailuresPerAddress, ...byClient } = deps.config.policy.lockout;
  const byAddress: LockoutPolicy = { ...byClient, maxFailures: maxFailuresPerAddress };
  const store = (policy: LockoutPolicy, prefix: string) => lockoutStore(deps, policy, prefix);
  return new FailureThrottle({
    byClient: store(byClient, BY_CLIENT),
    byAddress: store(byAddress, BY_ADDRESS),
  });
}

/**
 * Counts per key in this process, in Redis (under `redis.keyPrefix` + `prefix`), or by the
 * primary for every worker (under `prefix`); the shared ones fall back to this process's count
 * while they cannot be reached.
 */
export function lockoutStore(
  deps: CountStores,
  policy: LockoutPolicy,
  prefix: string,
): LockoutStore {
  const local = new Lockout(policy, deps.clock);
  if (deps.redis) {
    return new RedisLockout(deps.redis, policy, `${deps.config.redis.keyPrefix}${prefix}`, local);
  }
  return deps.shared ? new SharedLockout(deps.shared, policy, prefix, local) : local;
}

/**
 * An operator's unlock (`patina-server admin unlock`): deletes the shared counts and locks of one
 * client id, from every address. Returns how many keys it deleted. Only Redis is shared: a node
 * counting in its own memory keeps its count until it expires.
 */
export async function unlockClient(
  redis: Redis,
  keyPrefix: string,
  clientId: string,
): Promise<number> {
  let deleted = 0;
  for (const kind of ['failures', 'lock']) {
    const match = `${keyPrefix}${BY_CLIENT}${kind}:${keyPart(clientId)}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}
