import type { LockoutRequest, SharedState } from '../core/shared-state.js';
import type { PrimaryMessage, SharedOperation, WorkerMessage } from './messages.js';

interface Batch {
  operations: SharedOperation[];
  settle: { resolve: (value: unknown) => void; reject: (error: unknown) => void }[];
}

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
  readonly #waiting = new Map<number, Batch['settle']>();

  constructor(private readonly channel: Channel) {}

  /** Hands the primary's answers to the operations that wait for them. */
  receive(message: PrimaryMessage): void {
    if (message.patina !== 'answers') return;
    const settle = this.#waiting.get(message.id);
    if (!settle) return;
    this.#waiting.delete(message.id);
    settle.forEach(({ resolve }, i) => resolve(message.results[i]));
  }

  /** The primary is gone: every waiting operation fails (callers count in their own memory). */
  disconnected(): void {
    for (const settle of this.#waiting.values()) {
      for (const { reject } of settle) reject(new Error('the primary process is gone'));
    }
    this.#waiting.clear();
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
    this.#waiting.set(id, batch.settle);
    try {
      this.channel.send({ patina: 'shared', id, operations: batch.operations });
    } catch (error) {
      this.#waiting.delete(id);
      for (const { reject } of batch.settle) reject(error);
    }
  }
}
