import type { SharedState } from '../core/shared-state.js';
import type { Lockout, LockoutPolicy, LockoutStore } from './lockout.js';

/**
 * Failed exchanges counted by the primary process for all the node's workers (core/shared-state.ts),
 * with this process's own count as the fallback should the primary not answer, as RedisLockout
 * falls back while Redis is away.
 */
export class SharedLockout implements LockoutStore {
  constructor(
    private readonly state: SharedState,
    private readonly policy: LockoutPolicy,
    private readonly namespace: string,
    private readonly fallback: Lockout,
  ) {}

  async retryAfterSeconds(key: string): Promise<number> {
    try {
      return Number(await this.#ask('retryAfter', key));
    } catch {
      return this.fallback.retryAfterSeconds(key);
    }
  }

  async recordFailure(key: string): Promise<boolean> {
    try {
      return (await this.#ask('failure', key)) === true;
    } catch {
      return this.fallback.recordFailure(key);
    }
  }

  async recordSuccess(key: string): Promise<void> {
    this.fallback.recordSuccess(key);
    await this.#ask('success', key).catch(() => undefined);
  }

  #ask(action: 'retryAfter' | 'failure' | 'success', key: string) {
    return this.state.lockout({ namespace: this.namespace, policy: this.policy, action, key });
  }
}
