import type { LockoutRequest } from '../core/shared-state.js';
import type { FamilySnapshot } from '../metrics/metrics.js';

/**
 * What the primary and its workers say to each other over the IPC channel node:cluster gives them
 * (docs/decisions.md, "Workers"). Every message carries `patina` so that nothing else on the
 * channel (Node's own cluster messages) is taken for one.
 */
export type SharedOperation =
  | { op: 'hit'; namespace: string; key: string; windowMs: number }
  | ({ op: 'lockout' } & LockoutRequest)
  | { op: 'firstUse'; namespace: string; key: string; expiresAtMs: number };

export type WorkerMessage =
  /** Operations on the shared counts, answered in order by one `answers`. */
  | { patina: 'shared'; id: number; operations: SharedOperation[] }
  /** This worker queued webhooks, mail or SETs: the worker that delivers should look now. */
  | { patina: 'nudge' }
  /** The worker listens and serves: the primary counts it as started. */
  | { patina: 'ready' }
  /** The answer to a `metrics-request`: the worker's families, null if it could not read them. */
  | { patina: 'metrics'; id: number; families: FamilySnapshot[] | null };

export type PrimaryMessage =
  | { patina: 'answers'; id: number; results: unknown[] }
  /** Another worker queued something to deliver (sent to the delivering worker only). */
  | { patina: 'nudge' }
  /**
   * A worker died: a change it committed may not have reached the change table's readers yet
   * (a write outside a transaction and its row are two commits), so every cache starts empty.
   */
  | { patina: 'reset' }
  /**
   * A scrape: the worker's metric families, with the gauges read from the database if
   * `database` (one worker of the node is asked for those).
   */
  | { patina: 'metrics-request'; id: number; database: boolean };

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return typeof message === 'object' && message !== null && 'patina' in message;
}

export const isPrimaryMessage = isWorkerMessage as (message: unknown) => message is PrimaryMessage;
