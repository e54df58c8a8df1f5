import type { LockoutStore } from '../oauth/lockout.js';
import { lockoutStore, type CountStores } from '../oauth/throttle-stores.js';

/** The Redis key prefix of the counts, under `redis.keyPrefix`. */
const REDIS_PREFIX = 'console-sign-ins:';

/**
 * Successful console sign-ins per address (`console.signInRateLimit`; docs/rules.md, "Rate
 * limits"). Each one makes a session that lives for hours and an access token, so what one
 * address holding a working PAT or an SSO account can make Patina store is bounded. Failed
 * sign-ins are not counted here: the OAuth lockout counts them, as for any failed exchange.
 *
 * The counts are the lockout's stores (this process, the primary for every worker, or Redis
 * shared by every node), which count
 * events per key in a window and hold the key for a while at the maximum: here the events are
 * sign-ins and the hold is one more window.
 */
export class SignInLimit {
  constructor(private readonly store: LockoutStore) {}

  /** Seconds until a sign-in from `addressKey` (core/cidr.ts, addressKey) is allowed, or 0. */
  async retryAfterSeconds(addressKey: string): Promise<number> {
    return this.store.retryAfterSeconds(addressKey);
  }

  /** Counts one successful sign-in from `addressKey`. */
  async recordSignIn(addressKey: string): Promise<void> {
    await this.store.recordFailure(addressKey);
  }
}

/**
 * The limit of `console.signInRateLimit`: at max sign-ins from an address within the window,
 * that address waits one window more.
 */
export function consoleSignInLimit(deps: CountStores) {
  const { max, windowSeconds } = deps.config.console.signInRateLimit;
  const policy = { maxFailures: max, windowSeconds, durationSeconds: windowSeconds };
  return new SignInLimit(lockoutStore(deps, policy, REDIS_PREFIX));
}
