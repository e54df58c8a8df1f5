import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/repositories.js';
import type { SsfOutbox } from './outbox.js';

/** Streams fed per pass, and SETs signed per stream per pass, so no stream waits on another long. */
const STREAMS_PER_PASS = 50;
const SETS_PER_STREAM = 100;
/** Without a nudge, the feeder still looks this often (another node's changes). */
const IDLE_MS = 1000;

/**
 * Push streams have no poll to turn the change log into their SETs: the feeder does it in the
 * background, off every request's path, for enabled push streams whose owner is live, then
 * tells the push worker. Signing happens here, per stream, one stream at a time.
 */
export class PushFeeder {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** Until start(): a process that does not push (a node's other workers) ignores nudges. */
  #stopped = true;
  #again = false;

  constructor(
    private readonly deps: {
      storage: Storage;
      clock: Clock;
      outbox: SsfOutbox;
      /** Called after SETs were written (the push worker's nudge). */
      fed: () => void;
      logger?: Logger | undefined;
    },
  ) {}

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** A change was logged: feed soon. */
  nudge(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass: returns how many streams had changes to take. Exposed for tests. */
  async runOnce(): Promise<number> {
    const now = this.deps.clock.now().toISOString();
    const streams = await this.deps.storage.repos.ssf.pushStreamsBehind(now, STREAMS_PER_PASS);
    for (const stream of streams) await this.deps.outbox.catchUp(stream, SETS_PER_STREAM);
    if (streams.length > 0) this.deps.fed();
    return streams.length;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .catch((error: unknown) => {
          this.deps.logger?.warn({ err: error }, 'ssf push feed failed');
          return 0;
        })
        .then((count) => {
          this.#running = undefined;
          const more = count === STREAMS_PER_PASS || this.#again;
          this.#again = false;
          this.#schedule(more ? 0 : IDLE_MS);
        });
    }, ms);
    this.#timer.unref();
  }
}
