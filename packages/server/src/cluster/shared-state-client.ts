import type { LockoutRequest, SharedState } from '../core/shared-state.js';
import type { PrimaryMessage, SharedOperation, WorkerMessage } from './messages.js';

interface Batch {
  operations: SharedOperation[];
  settle: { resolve: (value: unknown) => void; reject: (error: unknown) => void }[];
}

/** An answer later than this fails its operations: the callers count in their own memory. */
const ANSWER_TIMEOUT_MS = 2000;

/** What the client needs of its process: node:cluster's channel to the primary. */
export interface Channel {
  send(message: WorkerMessage): boolean;
  connected: boolean;
}

/**
 * A worker's side of the shared counts (core/shared-state.ts). The operations of one turn of the
 * event loop go to the primary as one message and come back as one answer, so a burst of
 * requests costs one round trip, not one each.
 */
export class SharedStateClient implements SharedState {
  #next: Batch | undefined;
  #nextId = 1;
  readonly #waiting = new Map<number, { settle: Batch['settle']; sentAtMs: number }>();

  constructor(private readonly channel: Channel) {
    // One sweep a second fails what waited too long, rather than a timer per message.
    setInterval(() => this.#expire(Date.now() - ANSWER_TIMEOUT_MS), 1000).unref();
  }

  /** Hands the primary's answers to the operations that wait for them. */
  receive(message: PrimaryMessage): void {
    if (message.patina !== 'answers') return;
    const waiting = this.#waiting.get(message.id);
    if (!waiting) return;
    this.#waiting.delete(message.id);
    waiting.settle.forEach(({ resolve }, i) => resolve(message.results[i]));
  }

  /** The primary is gone: every waiting operation fails (callers count in their own memory). */
  disconnected(): void {
    this.#expire(Infinity, 'the primary process is gone');
  }

  #expire(sentBeforeMs: number, why = 'the primary process did not answer'): void {
    for (const [id, { settle, sentAtMs }] of this.#waiting) {
      if (sentAtMs >= sentBeforeMs) continue;
      this.#waiting.delete(id);
      for (const { reject } of settle) reject(new Error(why));
    }
  }

  hit(namespace: string, key: string, windowMs: number) {
    return this.#ask<{ current: number; ttl: number }>({ op: 'hit', namespace, key, windowMs });
  }

  lockout(request: LockoutRequest) {
    return this.#ask<number | boolean | null>({ op: 'lockout', ...request });
  }

  firstUse(namespace: string, key: string, expiresAtMs: number) {
    return this.#ask<boolean>({ op: 'firstUse', namespace, key, expiresAtMs });
  }

  #ask<T>(operation: SharedOperation): Promise<T> {
    if (!this.channel.connected) return Promise.reject(new Error('the primary process is gone'));
    return new Promise<T>((resolve, reject) => {
      if (!this.#next) {
        this.#next = { operations: [], settle: [] };
        setImmediate(() => this.#flush());
      }
      this.#next.operations.push(operation);
      this.#next.settle.push({ resolve: resolve as (value: unknown) => void, reject });
    });
  }

  #flush(): void {
    const batch = this.#next;
    this.#next = undefined;
    if (!batch) return;
    const id = this.#nextId++;
    this.#waiting.set(id, { settle: batch.settle, sentAtMs: Date.now() });
    try {
      this.channel.send({ patina: 'shared', id, operations: batch.operations });
    } catch (error) {
      this.#waiting.delete(id);
      for (const { reject } of batch.settle) reject(error);
    }
  }
}
