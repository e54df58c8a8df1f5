import type { FamilySnapshot } from '../metrics/metrics.js';
import { isPrimaryMessage, type WorkerMessage } from './messages.js';
import { SharedStateClient } from './shared-state-client.js';
import { DELIVERING_SLOT, WORKER_INDEX_VARIABLE } from './supervisor.js';

/** What a worker hears from its primary, besides the answers to its counts. */
export interface WorkerEvents {
  /** Another worker queued webhooks, mail or SETs (sent to the delivering worker only). */
  nudge(): void;
  /** A worker died: drop every cached entry. */
  reset(): void;
  /** The primary is gone: stop serving. */
  orphaned(): void;
  /** A scrape of the node: this worker's metric families (with the database gauges if asked). */
  metrics(options: { database: boolean }): Promise<FamilySnapshot[]>;
}

/**
 * A worker's end of the IPC channel to its primary (cluster/supervisor.ts): its slot, whether it
 * runs the node's background work, the shared counts, and the messages it sends and hears.
 */
export class WorkerLink {
  readonly index: number;
  readonly shared: SharedStateClient;

  constructor() {
    this.index = Number(process.env[WORKER_INDEX_VARIABLE] ?? '0');
    this.shared = new SharedStateClient({
      send: (message) => this.#send(message),
      get connected() {
        return process.connected;
      },
    });
  }

  /** Slot 0 runs housekeeping, the outboxes and key rotation for the node. */
  get delivers(): boolean {
    return this.index === DELIVERING_SLOT;
  }

  listen(events: WorkerEvents): void {
    process.on('message', (message: unknown) => {
      if (!isPrimaryMessage(message)) return;
      switch (message.patina) {
        case 'answers':
          return this.shared.receive(message);
        case 'nudge':
          return events.nudge();
        case 'reset':
          return events.reset();
        case 'metrics-request': {
          const { id, database } = message;
          void events.metrics({ database }).then(
            (families) => this.#send({ patina: 'metrics', id, families }),
            () => this.#send({ patina: 'metrics', id, families: null }),
          );
          return;
        }
      }
    });
    process.on('disconnect', () => {
      this.shared.disconnected();
      events.orphaned();
    });
  }

  /** Tells the primary this worker listens. */
  ready(): void {
    this.#send({ patina: 'ready' });
  }

  /** Tells the delivering worker, through the primary, that something waits to be delivered. */
  nudge(): void {
    this.#send({ patina: 'nudge' });
  }

  #send(message: WorkerMessage): boolean {
    if (!process.connected || !process.send) return false;
    return process.send(message);
  }
}
