/**
 * Counts that the processes of one node share (docs/decisions.md, "Workers"): with `workers` > 1
 * and no Redis, the primary process holds them and each worker asks it; rate limits, the failure
 * throttle, the console's sign-in limit and DPoP's replay check then count for the node as a whole,
 * never once per worker.
 */
export interface SharedState {
  /** Counts one request under `key` in a fixed window of `windowMs`: the count and the ms left. */
  hit(namespace: string, key: string, windowMs: number): Promise<{ current: number; ttl: number }>;
  /** The failure throttle's operations (oauth/lockout.ts) on the count kept under `namespace`. */
  lockout(request: LockoutRequest): Promise<number | boolean | null>;
  /** True the first time `key` is seen before `expiresAtMs` (a DPoP proof's jti). */
  firstUse(namespace: string, key: string, expiresAtMs: number): Promise<boolean>;
}

export interface LockoutRequest {
  namespace: string;
  policy: { maxFailures: number; windowSeconds: number; durationSeconds: number };
  action: 'retryAfter' | 'failure' | 'success';
  key: string;
}
