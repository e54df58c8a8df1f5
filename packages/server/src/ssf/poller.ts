import type { PollRequest, PollResponse } from '@patina/contract';
import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/repositories.js';
import type { StreamRecord } from '../storage/ssf-repository.js';
import type { SsfOutbox } from './outbox.js';

/** What one poll answers at most when the receiver names no maxEvents. */
export const DEFAULT_MAX_EVENTS = 100;
/**
 * While a long poll waits, how often it looks for SETs written by another node that this node
 * heard nothing of (a change through another node is usually heard at once, through the change
 * feed; this bounds the wait when it is not).
 */
const RECHECK_MS = 500;

/**
 * Poll delivery (RFC 8936): acknowledgements first, then the oldest unacknowledged SETs; with
 * none waiting and returnImmediately not true, the request is held until one is queued or
 * `maxWaitMs` passes (§2.4, long polling).
 */
export class SsfPoller {
  readonly #waiting = new Set<() => void>();
  #closed = false;

  constructor(
    private readonly deps: {
      storage: Storage;
      clock: Clock;
      outbox: SsfOutbox;
      maxWaitMs: number;
    },
  ) {}

  async poll(
    stream: StreamRecord,
    request: PollRequest,
    signal?: AbortSignal,
  ): Promise<PollResponse> {
    const repo = this.deps.storage.repos.ssf;
    const now = this.deps.clock.now().toISOString();
    // §2.4.2 and §2.4.3: an acknowledged SET and one the receiver reports an error for are both
    // done with; neither is sent again.
    const done = [...(request.ack ?? []), ...Object.keys(request.setErrs ?? {})];
    await repo.ack(stream.id, done, now);
    const max = request.maxEvents ?? DEFAULT_MAX_EVENTS;
    // A paused stream holds its SETs (SSF 1.0 §8.1.2) until it is enabled again.
    if (stream.status !== 'enabled') return { sets: {}, moreAvailable: false };
    // A stream whose PAT has ended serves nothing, whoever asks (its own token no longer can).
    if (!(await repo.isOwnerLive(stream.id, now))) return { sets: {}, moreAvailable: false };
    // The changes logged since the last poll become this stream's SETs now (SsfOutbox).
    let unread = await this.deps.outbox.catchUp(stream, Math.max(max, 1));
    if (max === 0) return { sets: {}, moreAvailable: unread || (await repo.hasPending(stream.id)) };
    let found = await repo.pending(stream.id, max);
    if (found.events.length === 0 && request.returnImmediately !== true) {
      await this.#wait(stream, signal);
      unread = await this.deps.outbox.catchUp(stream, max);
      found = await repo.pending(stream.id, max);
    }
    return {
      sets: Object.fromEntries(found.events.map((e) => [e.jti, e.set_jwt])),
      moreAvailable: found.more || unread,
    };
  }

  /** Ends every waiting long poll (the node is shutting down); later polls answer at once. */
  close(): void {
    this.#closed = true;
    for (const wake of [...this.#waiting]) wake();
  }

  #wait(stream: StreamRecord, signal?: AbortSignal): Promise<void> {
    const streamId = stream.id;
    if (this.#closed || signal?.aborted) return Promise.resolve();
    const repo = this.deps.storage.repos.ssf;
    return new Promise((resolve) => {
      let checking = false;
      let again = false;
      const finish = () => {
        clearTimeout(timeout);
        clearInterval(interval);
        unqueued();
        unfeed();
        signal?.removeEventListener('abort', finish);
        this.#waiting.delete(finish);
        resolve();
      };
      const check = () => {
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        this.deps.outbox
          .catchUp(stream, 1)
          .then(() => repo.hasPending(streamId))
          .then((pending) => {
            checking = false;
            if (pending) finish();
            else if (again) {
              again = false;
              check();
            }
          })
          // The database is away: keep waiting; the answer after the wait says what it can.
          .catch(() => {
            checking = false;
          });
      };
      const timeout = setTimeout(finish, this.deps.maxWaitMs);
      const interval = setInterval(check, RECHECK_MS);
      const unqueued = this.deps.outbox.onQueued((ids) => {
        if (ids === null || ids.has(streamId)) check();
      });
      // Changes are logged with the change they tell of; the change feed hears those changes
      // from every node, right after their commit.
      const unfeed = this.deps.storage.feed.subscribe((event) => {
        if (event.kind === 'pat' || event.kind === 'identity' || event.kind === 'reset') check();
      });
      signal?.addEventListener('abort', finish);
      this.#waiting.add(finish);
    });
  }
}
