import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { FamilySnapshot } from '../metrics/metrics.js';
import type { WorkerSnapshot } from '../metrics/workers.js';
import { isWorkerMessage, type PrimaryMessage, type WorkerMessage } from './messages.js';
import { SharedStateHost } from './shared-state-host.js';

/** The environment variable that tells a worker its slot: 0 to workers − 1. */
export const WORKER_INDEX_VARIABLE = 'PATINA_WORKER_INDEX';
/** The slot whose worker runs the node's background work (housekeeping, outboxes, key rotation). */
export const DELIVERING_SLOT = 0;

/** A crashed worker is started again after this, doubling per crash in a row up to the maximum. */
const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 10_000;
/** A worker that served this long before it died starts its slot's backoff over. */
const STABLE_AFTER_MS = 30_000;

export interface SupervisorOptions {
  workers: number;
  logger: Logger;
  /** How long workers may drain at SIGTERM before they are killed. */
  drainTimeoutMs: number;
  /** Called once, when every worker listens for the first time. */
  onReady?: () => void;
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  startedAtMs: number;
  crashesInARow: number;
  restart: NodeJS.Timeout | undefined;
  ready: boolean;
}

/**
 * The primary process of a node with `workers` > 1 (docs/operations.md, "Workers"). It serves no
 * request itself: node:cluster shares the listening port with N workers. It
 *
 * - starts each worker in a slot (`PATINA_WORKER_INDEX`); slot 0's worker runs the node's
 *   background work, so housekeeping, the outboxes and key rotation run once per node;
 * - restarts a worker that died with a backoff per slot (100 ms, doubling to 10 s, back to
 *   100 ms once a worker lived 30 s), and tells the others to drop their caches;
 * - keeps the counts the workers share (rate limits, the failure throttle, DPoP replays) and
 *   answers their questions; passes a worker's "something to deliver" on to slot 0;
 * - asks every worker for its metrics when the node is scraped (cluster/cluster-metrics.ts);
 * - on SIGTERM or SIGINT stops restarting, asks every worker to drain, and exits 0 when all have
 *   (1 if one had to be killed at the drain's deadline).
 */
export class Supervisor {
  readonly #slots: Slot[];
  readonly #shared = new SharedStateHost();
  #stopping: Promise<number> | undefined;
  #announcedReady = false;
  /** The scrapes waiting for a worker's metrics, by request id. */
  readonly #metricRequests = new Map<number, (families: FamilySnapshot[] | null) => void>();
  #nextMetricRequest = 1;

  constructor(private readonly options: SupervisorOptions) {
    this.#slots = Array.from({ length: options.workers }, (_, index) => ({
      index,
      worker: undefined,
      startedAtMs: 0,
      crashesInARow: 0,
      restart: undefined,
      ready: false,
    }));
  }

  start(): void {
    for (const slot of this.#slots) this.#fork(slot);
  }

  /** The live workers' process ids, slot by slot (undefined while a slot waits to restart). */
  get pids(): (number | undefined)[] {
    return this.#slots.map((slot) => slot.worker?.process.pid);
  }

  /**
   * Asks every worker that serves for its metric families; the first in slot order also reads
   * the gauges from the database, for the node. A worker that has not answered within
   * `timeoutMs`, or cannot be asked (starting, restarting), is in the answer without families:
   * a stuck worker cannot hold a scrape up.
   */
  collectMetrics(timeoutMs: number): Promise<WorkerSnapshot[]> {
    let database = true;
    return Promise.all(
      this.#slots.map(async ({ index: slot, worker, ready }): Promise<WorkerSnapshot> => {
        if (!worker || !ready || !worker.isConnected()) {
          return { slot, workerId: worker?.id, families: undefined };
        }
        const id = this.#nextMetricRequest++;
        const answered = new Promise<FamilySnapshot[] | null>((resolve) => {
          const timer = setTimeout(() => settle(null), timeoutMs);
          const settle = (families: FamilySnapshot[] | null) => {
            clearTimeout(timer);
            this.#metricRequests.delete(id);
            resolve(families);
          };
          this.#metricRequests.set(id, settle);
        });
        this.#send(worker, { patina: 'metrics-request', id, database });
        database = false;
        const families = await answered;
        return { slot, workerId: worker.id, families: families ?? undefined };
      }),
    );
  }

  /** Drains every worker; resolves with the exit code the primary should end with. */
  stop(): Promise<number> {
    this.#stopping ??= this.#drain();
    return this.#stopping;
  }

  #fork(slot: Slot): void {
    slot.restart = undefined;
    slot.ready = false;
    slot.startedAtMs = Date.now();
    const worker = cluster.fork({ [WORKER_INDEX_VARIABLE]: String(slot.index) });
    slot.worker = worker;
    worker.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) this.#hear(slot, worker, message);
    });
    worker.on('exit', (code, signal) => this.#exited(slot, worker, code, signal));
  }

  #hear(slot: Slot, worker: Worker, message: WorkerMessage): void {
    switch (message.patina) {
      case 'shared':
        void this.#shared.run(message.operations).then((results) => {
          if (worker.isConnected())
            this.#send(worker, { patina: 'answers', id: message.id, results });
        });
        return;
      case 'nudge': {
        const delivering = this.#slots[DELIVERING_SLOT]?.worker;
        if (delivering && delivering !== worker) this.#send(delivering, { patina: 'nudge' });
        return;
      }
      case 'metrics':
        this.#metricRequests.get(message.id)?.(message.families);
        return;
      case 'ready':
        slot.ready = true;
        if (!this.#announcedReady && this.#slots.every((s) => s.ready)) {
          this.#announcedReady = true;
          this.options.onReady?.();
        }
        return;
    }
  }

  #exited(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = false;
    if (this.#stopping) return;
    const livedMs = Date.now() - slot.startedAtMs;
    slot.crashesInARow = livedMs >= STABLE_AFTER_MS ? 1 : slot.crashesInARow + 1;
    const delayMs = Math.min(
      FIRST_RESTART_DELAY_MS * 2 ** (slot.crashesInARow - 1),
      MAX_RESTART_DELAY_MS,
    );
    this.options.logger.error(
      { worker: slot.index, pid: worker.process.pid, code, signal, restartInMs: delayMs },
      'worker died; starting another',
    );
    // A write and its change row may be two commits: what the dead worker changed last may not
    // have reached the others, so they forget what they cached.
    for (const other of this.#slots) {
      if (other.worker) this.#send(other.worker, { patina: 'reset' });
    }
    slot.restart = setTimeout(() => this.#fork(slot), delayMs);
  }

  async #drain(): Promise<number> {
    const live: Worker[] = [];
    for (const slot of this.#slots) {
      clearTimeout(slot.restart);
      if (slot.worker) live.push(slot.worker);
    }
    let killed = 0;
    const exits = live.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    );
    const deadline = setTimeout(() => {
      for (const worker of live) {
        if (!worker.isDead()) {
          killed += 1;
          worker.process.kill('SIGKILL');
        }
      }
    }, this.options.drainTimeoutMs);
    await Promise.all(exits);
    clearTimeout(deadline);
    return killed > 0 ? 1 : 0;
  }

  #send(worker: Worker, message: PrimaryMessage): void {
    try {
      worker.send(message);
    } catch {
      // The worker is going away; its exit is handled where it is heard.
    }
  }
}
