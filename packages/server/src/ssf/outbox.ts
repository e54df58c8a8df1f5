import { SSF_DELIVERY_PUSH, type AuditEvent, type SubjectIdentifier } from '@patina/contract';
import type { Clock } from '../core/clock.js';
import type { Repositories } from '../storage/repositories.js';
import type { NewSsfEvent, StreamRecord } from '../storage/ssf-repository.js';
import { securityEventsOf, type SecurityEvent } from './events.js';
import type { SetSigner } from './set-signer.js';

/** RFC 9493 subjects compared as one canonical text: members sorted. */
export function subjectKey(subject: SubjectIdentifier): string {
  const entries = Object.entries(subject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(Object.fromEntries(entries));
}

/**
 * The transmitter's outbox: every SET is a row written in the transaction of the change it tells
 * of (an audit event), one per stream that asked for its type and has not removed its subject.
 * Rows are signed when written, so a receiver polling any node gets the same SET.
 */
export class SsfOutbox {
  readonly #listeners = new Set<(streamIds: ReadonlySet<string>) => void>();

  constructor(private readonly deps: { clock: Clock; signer: SetSigner; issuer: string }) {}

  /** Called with the streams that may have new SETs (long polls and the push worker listen). */
  onQueued(listener: (streamIds: ReadonlySet<string>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The audit log's subscriber: runs inside the transaction that records `event`. */
  async record(repos: Repositories, event: AuditEvent): Promise<void> {
    const events = securityEventsOf(event, this.deps.issuer);
    if (events.length === 0) return;
    const streams = await repos.ssf.streamsTakingEvents();
    if (streams.length === 0) return;
    const without = await repos.ssf.streamsWithout(
      streams.map((s) => s.id),
      [...new Set(events.map((e) => subjectKey(e.subject)))],
    );
    const rows: NewSsfEvent[] = [];
    for (const stream of streams) {
      if (without.has(stream.id)) continue;
      for (const e of events) {
        if (stream.eventsRequested.includes(e.type)) rows.push(this.#row(stream, event.id, e));
      }
    }
    await repos.ssf.insertEvents(rows);
    this.#queued(new Set(rows.map((r) => r.streamId)));
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

  #row(stream: StreamRecord, txn: string, event: SecurityEvent): NewSsfEvent {
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
      created: now,
      nextAttemptAt: stream.deliveryMethod === SSF_DELIVERY_PUSH ? now : null,
    };
  }

  /** Tells listeners, after the caller's transaction has had time to commit. */
  #queued(streamIds: ReadonlySet<string>): void {
    if (streamIds.size === 0) return;
    // The rows are visible once the transaction commits; listeners re-read then. A listener that
    // looks too early finds nothing and waits on, so the nudge is also repeated shortly after.
    for (const delay of [0, 50]) {
      setTimeout(() => {
        for (const listener of this.#listeners) listener(streamIds);
      }, delay).unref();
    }
  }
}
