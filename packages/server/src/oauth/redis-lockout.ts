import type { Redis } from 'ioredis';
import type { Lockout, LockoutPolicy, LockoutStore } from './lockout.js';

/**
 * One failure, atomically: count it in a window that starts with the first failure, and at
 * maxFailures set the lock for durationSeconds and start counting afresh.
 * KEYS: failures, lock. ARGV: window ms, max failures, lock ms.
 */
const RECORD_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
end
return n`;

/**
 * The token-endpoint lockout (docs/rules.md, "Lockout") counted in Redis, so failures on every node
 * add up and a lock set by one node holds on all. While Redis cannot be reached, this node counts
 * on its own (the in-memory Lockout) rather than refusing everyone or letting guesses through
 * uncounted. Keys are made safe for key names by the caller (FailureThrottle); `prefix` names the
 * kind of key, e.g. `patina:lockout:client-ip:`.
 */
export class RedisLockout implements LockoutStore {
  constructor(
    private readonly redis: Redis,
    private readonly policy: LockoutPolicy,
    private readonly prefix: string,
    private readonly fallback: Lockout,
  ) {}

  async retryAfterSeconds(key: string): Promise<number> {
    try {
      const ms = await this.redis.pttl(this.#key('lock', key));
      return Math.max(ms > 0 ? Math.ceil(ms / 1000) : 0, this.fallback.retryAfterSeconds(key));
    } catch {
      return this.fallback.retryAfterSeconds(key);
    }
  }

  async recordFailure(key: string): Promise<boolean> {
    try {
      const failures = await this.redis.eval(
        RECORD_FAILURE,
        2,
        this.#key('failures', key),
        this.#key('lock', key),
        this.policy.windowSeconds * 1000,
        this.policy.maxFailures,
        this.policy.durationSeconds * 1000,
      );
      return Number(failures) >= this.policy.maxFailures;
    } catch {
      return this.fallback.recordFailure(key);
    }
  }

  recordSuccess(key: string): void {
    this.fallback.recordSuccess(key);
    // Not awaited: a successful exchange does not wait for Redis. Commands on one connection run
    // in order, so a later check of this key sees the counters cleared. If it fails there
    // is nothing to undo: the failures expire with their window.
    this.redis.del(this.#key('failures', key), this.#key('lock', key)).catch(() => undefined);
  }

  #key(kind: 'failures' | 'lock', key: string): string {
    return `${this.prefix}${kind}:${key}`;
  }
}
