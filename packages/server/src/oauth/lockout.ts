import type { Clock } from '../core/clock.js';

export interface LockoutPolicy {
  maxFailures: number;
  windowSeconds: number;
  durationSeconds: number;
}

/** Where failed exchanges are counted: this process (Lockout) or Redis (RedisLockout). */
export interface LockoutStore {
  /** Seconds until the client id may try again, or 0 when it is not locked. */
  retryAfterSeconds(clientId: string): number | Promise<number>;
  recordFailure(clientId: string): void | Promise<void>;
  recordSuccess(clientId: string): void | Promise<void>;
}

interface Entry {
  failures: number;
  windowStartMs: number;
  lockedUntilMs: number;
}

/**
 * Counts failed exchanges per client id in this process (docs/rules.md, "Lockout"): after
 * `maxFailures` within `windowSeconds` the client id is refused for `durationSeconds`, whatever the
 * secret. Unknown client ids count like known ones, so a lockout reveals nothing. The map is
 * bounded: at `maxEntries` the oldest entries are dropped (Map keeps insertion order).
 */
export class Lockout implements LockoutStore {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly policy: LockoutPolicy,
    private readonly clock: Clock,
    private readonly maxEntries = 100_000,
  ) {}

  /** Seconds until the client id may try again, or 0 when it is not locked. */
  retryAfterSeconds(clientId: string): number {
    const entry = this.#entries.get(clientId);
    const now = this.clock.now().getTime();
    if (!entry || entry.lockedUntilMs <= now) return 0;
    return Math.ceil((entry.lockedUntilMs - now) / 1000);
  }

  recordFailure(clientId: string): void {
    const now = this.clock.now().getTime();
    let entry = this.#entries.get(clientId);
    if (!entry || now - entry.windowStartMs > this.policy.windowSeconds * 1000) {
      entry = { failures: 0, windowStartMs: now, lockedUntilMs: 0 };
    }
    entry.failures += 1;
    if (entry.failures >= this.policy.maxFailures) {
      entry.lockedUntilMs = now + this.policy.durationSeconds * 1000;
      entry.failures = 0;
      entry.windowStartMs = now;
    }
    this.#entries.delete(clientId);
    this.#entries.set(clientId, entry);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  recordSuccess(clientId: string): void {
    this.#entries.delete(clientId);
  }
}
