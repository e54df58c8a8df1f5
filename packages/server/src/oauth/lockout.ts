import type { Clock } from '../core/clock.js';

export interface LockoutPolicy {
  maxFailures: number;
  windowSeconds: number;
  durationSeconds: number;
}

/**
 * Where failed exchanges are counted, per key (a client id and source address, or an address;
 * see FailureThrottle): this process (Lockout) or Redis (RedisLockout).
 */
export interface LockoutStore {
  /** Seconds until failures under the key stop being throttled, or 0 when they are not. */
  retryAfterSeconds(key: string): number | Promise<number>;
  /** Counts a failure; true when it locked the key. */
  recordFailure(key: string): boolean | Promise<boolean>;
  /** Forgets the key's failures and lock (a success, or an operator's unlock). */
  recordSuccess(key: string): void | Promise<void>;
}

interface Entry {
  failures: number;
  windowStartMs: number;
  lockedUntilMs: number;
}

/**
 * Counts failed exchanges per key in this process (docs/rules.md, "Lockout"): after `maxFailures`
 * within `windowSeconds` the key is locked for `durationSeconds`. Unknown client ids count like
 * known ones, so a lock reveals nothing. The map is bounded: at `maxEntries` the oldest entries
 * are dropped (Map keeps insertion order).
 */
export class Lockout implements LockoutStore {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly policy: LockoutPolicy,
    private readonly clock: Clock,
    private readonly maxEntries = 100_000,
  ) {}

  retryAfterSeconds(key: string): number {
    const entry = this.#entries.get(key);
    const now = this.clock.now().getTime();
    if (!entry || entry.lockedUntilMs <= now) return 0;
    return Math.ceil((entry.lockedUntilMs - now) / 1000);
  }

  recordFailure(key: string): boolean {
    const now = this.clock.now().getTime();
    let entry = this.#entries.get(key);
    if (!entry || now - entry.windowStartMs > this.policy.windowSeconds * 1000) {
      entry = { failures: 0, windowStartMs: now, lockedUntilMs: 0 };
    }
    entry.failures += 1;
    const locks = entry.failures >= this.policy.maxFailures;
    if (locks) {
      entry.lockedUntilMs = now + this.policy.durationSeconds * 1000;
      entry.failures = 0;
      entry.windowStartMs = now;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return locks;
  }

  recordSuccess(key: string): void {
    this.#entries.delete(key);
  }
}
