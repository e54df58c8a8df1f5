import { SSF_DELIVERY_PUSH, type AuditEvent, type SubjectIdentifier } from '@patina/contract';
import type { Clock } from '../core/clock.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import type { ChangeRecord, NewSsfEvent, StreamRecord } from '../storage/ssf-repository.js';
import { securityEventsOf, type SecurityEvent } from './events.js';
import type { SetSigner } from './set-signer.js';

/** RFC 9493 subjects compared as one canonical text: members sorted. */
export function subjectKey(subject: SubjectIdentifier): string {
  const entries = Object.entries(subject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(Object.fromEntries(entries));
}

/** Changes a stream turns into SETs per round trip of `catchUp`. */
const CHANGE_BATCH = 100;
/**
 * A missing seq whose next change is older than this is taken as rolled back even while other
 * changes are being written (no transaction of Patina's stays open this long).
 */
const GAP_GRACE_MS = 60_000;

/**
 * The transmitter's outbox, in two steps. A change (an audit event that tells receivers
 * something) is ONE row of the change log, written in the transaction of the change, whatever
 * the number of streams: a PAT write costs the same with no stream or a thousand. Each stream
 * turns the log into SETs of its own, signed for its audience, when it is read: at its
 * receiver's poll, or by the push feeder for push streams (`catchUp`). Signed SETs are rows, so a
 * SET sent again (until acknowledged, RFC 8936 §2.4) is the same SET on every node.
 */
export class SsfOutbox {
  readonly #listeners = new Set<(streamIds: ReadonlySet<string> | null) => void>();

  constructor(
    private readonly deps: { storage: Storage; clock: Clock; signer: SetSigner; issuer: string },
  ) {}

  /**
   * Called with the streams that may have new SETs, or null when a change any stream may take
   * was logged (long polls and the push feeder listen).
   */
  onQueued(listener: (streamIds: ReadonlySet<string> | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The audit log's subscriber: runs inside the transaction that records `event`. */
  async record(repos: Repositories, event: AuditEvent): Promise<void> {
    const events = securityEventsOf(event, this.deps.issuer);
    if (events.length === 0) return;
    await repos.ssf.insertChange({
      txn: event.id,
      events,
      created: this.deps.clock.now().toISOString(),
    });
    this.#queued(null);
  }

  /**
   * Turns the changes logged since the stream last looked into its SETs: those of the types it
   * asked for, about subjects it has not removed, each signed for the stream's audience. Stops
   * after about `maxSets` SETs; true when changes are left. Two nodes (or polls) catching up one
   * stream at once: the cursor moves only from where it was read, so one of them writes.
   */
  async catchUp(stream: StreamRecord, maxSets: number): Promise<boolean> {
    const repo = this.deps.storage.repos.ssf;
    let written = 0;
    for (;;) {
      const from = await repo.cursorOf(stream.id);
      if (from === undefined) return false;
      const changes = await this.#final(from, await repo.changesAfter(from, CHANGE_BATCH));
      const last = changes.at(-1)?.seq;
      if (last === undefined) return false;
      const told = changes.flatMap((change) =>
        (change.events as SecurityEvent[]).map((event) => ({ change, event })),
      );
      const removed = await repo.removedSubjects(stream.id, [
        ...new Set(told.map(({ event }) => subjectKey(event.subject))),
      ]);
      const rows = told
        .filter(
          ({ event }) =>
            stream.eventsRequested.includes(event.type) && !removed.has(subjectKey(event.subject)),
        )
        .map(({ change, event }) => this.#row(stream, change.txn, event, change.created));
      const moved = await this.deps.storage.transaction(async (repos) => {
        if (!(await repos.ssf.advanceCursor(stream.id, from, last))) return false;
        await repos.ssf.insertEvents(rows);
        return true;
      });
      if (!moved) continue;
      written += rows.length;
      if (changes.length < CHANGE_BATCH) return false;
      if (written >= maxSets) return true;
    }
  }

  /**
   * The changes a cursor at `from` may move over: all of them, unless a seq is missing that may
   * still commit (PostgreSQL, see SsfRepository.changeWritersIdle): then those before the gap.
   */
  async #final(from: number, changes: ChangeRecord[]): Promise<ChangeRecord[]> {
    let expected = from + 1;
    for (const [index, change] of changes.entries()) {
      if (change.seq !== expected) {
        const old = Date.parse(change.created) < this.deps.clock.now().getTime() - GAP_GRACE_MS;
        const idle =
          old || (await this.deps.storage.transaction((repos) => repos.ssf.changeWritersIdle()));
        if (!idle) return changes.slice(0, index);
      }
      expected = change.seq + 1;
    }
    return changes;
  }

  /** A stream's own event (verification, stream-updated): always delivered, never filtered. */
  async queueStreamEvent(
    repos: Repositories,
    stream: StreamRecord,
    event: SecurityEvent,
    txn: string,
  ): Promise<void> {
    await repos.ssf.insertEvents([this.#row(stream, txn, event)]);
    this.#queued(new Set([stream.id]));
  }

  #row(stream: StreamRecord, txn: string, event: SecurityEvent, created?: string): NewSsfEvent {
    const { jti, jwt } = this.deps.signer.sign({
      audience: stream.audience,
      txn,
      subject: event.subject,
      type: event.type,
      payload: event.payload,
    });
    const now = this.deps.clock.now().toISOString();
    return {
      streamId: stream.id,
      jti,
      eventType: event.type,
      setJwt: jwt,
      // A SET of a logged change ages from the change (ssf.eventRetentionDays).
      created: created ?? now,
      nextAttemptAt: stream.deliveryMethod === SSF_DELIVERY_PUSH ? now : null,
    };
  }

  /** Tells listeners, after the caller's transaction has had time to commit. */
  #queued(streamIds: ReadonlySet<string> | null): void {
    if (streamIds?.size === 0) return;
    // The rows are visible once the transaction commits; listeners re-read then. A listener that
    // looks too early finds nothing and waits on, so the nudge is also repeated shortly after.
    for (const delay of [0, 50]) {
      setTimeout(() => {
        for (const listener of this.#listeners) listener(streamIds);
      }, delay).unref();
    }
  }
}
