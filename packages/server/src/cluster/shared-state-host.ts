import { systemClock } from '../core/clock.js';
import { Lockout, type LockoutPolicy } from '../oauth/lockout.js';
import { MemoryReplayStore } from '../tokens/dpop.js';
import type { SharedOperation } from './messages.js';

/** Rate-limit windows kept at once; the oldest go first (a bucket is a client id or address). */
const MAX_WINDOWS = 100_000;

interface Window {
  current: number;
  startMs: number;
}

/**
 * The primary's side of the counts its workers share (core/shared-state.ts): the same counting
 * the single-process node does in its own memory, done once for all workers. Each namespace (a
 * rate limit, a lockout, the DPoP replay check) has its own counts.
 */
export class SharedStateHost {
  readonly #windows = new Map<string, Window>();
  readonly #lockouts = new Map<string, Lockout>();
  readonly #replays = new Map<string, MemoryReplayStore>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Runs one worker's operations in order; each result in its place. */
  async run(operations: readonly SharedOperation[]): Promise<unknown[]> {
    const results: unknown[] = [];
    for (const operation of operations) results.push(await this.#runOne(operation));
    return results;
  }

  async #runOne(operation: SharedOperation): Promise<unknown> {
    switch (operation.op) {
      case 'hit':
        return this.#hit(`${operation.namespace}\u0000${operation.key}`, operation.windowMs);
      case 'lockout': {
        const lockout = this.#lockout(operation.namespace, operation.policy);
        if (operation.action === 'retryAfter') return lockout.retryAfterSeconds(operation.key);
        if (operation.action === 'failure') return lockout.recordFailure(operation.key);
        lockout.recordSuccess(operation.key);
        return null;
      }
      case 'firstUse': {
        let store = this.#replays.get(operation.namespace);
        if (!store) {
          store = new MemoryReplayStore(systemClock);
          this.#replays.set(operation.namespace, store);
        }
        return store.firstUse(operation.key, operation.expiresAtMs);
      }
    }
  }

  /** A fixed window, as @fastify/rate-limit counts in one process: the count and the ms left. */
  #hit(key: string, windowMs: number): { current: number; ttl: number } {
    const now = this.now();
    let window = this.#windows.get(key);
    if (!window || window.startMs + windowMs <= now) {
      window = { current: 0, startMs: now };
    }
    window.current += 1;
    this.#windows.delete(key);
    this.#windows.set(key, window);
    if (this.#windows.size > MAX_WINDOWS) this.#windows.delete(this.#windows.keys().next().value!);
    return { current: window.current, ttl: window.startMs + windowMs - now };
  }

  #lockout(namespace: string, policy: LockoutPolicy): Lockout {
    let lockout = this.#lockouts.get(namespace);
    if (!lockout) {
      lockout = new Lockout(policy, systemClock);
      this.#lockouts.set(namespace, lockout);
    }
    return lockout;
  }
}
