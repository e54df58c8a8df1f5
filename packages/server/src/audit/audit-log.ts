import { type AuditEvent, type AuditEventType, type AuditOutcome } from '@patina/contract';
import { randomHexId } from '../core/ids.js';
import type { Clock } from '../core/clock.js';
import type { Repositories } from '../storage/repositories.js';
import type { AuditContext } from '../access/context.js';

export interface AuditRecord {
  type: AuditEventType;
  context: AuditContext;
  target: AuditEvent['target'];
  outcome?: AuditOutcome;
  details?: Record<string, unknown>;
  /** When it happened, if the change read the clock itself (one instant for both); else now. */
  at?: Date;
}

/**
 * Hears every event as it is recorded, in the same transaction: the notifications outbox, whose
 * rows must commit with the change they tell of.
 */
export type AuditSubscriber = (repos: Repositories, event: AuditEvent) => Promise<void>;

/**
 * Records audit events. Callers pass the repositories of their own transaction, so an event is
 * written together with the change it describes, or not at all.
 */
export class AuditLog {
  readonly #subscribers: AuditSubscriber[] = [];

  constructor(private readonly clock: Clock) {}

  subscribe(subscriber: AuditSubscriber): void {
    this.#subscribers.push(subscriber);
  }

  /** Records `record` and answers the event as stored. */
  async record(repos: Repositories, record: AuditRecord): Promise<AuditEvent> {
    const ctx = record.context;
    const event: AuditEvent = {
      id: randomHexId(),
      time: (record.at ?? this.clock.now()).toISOString(),
      type: record.type,
      actor: { id: ctx.actorId, name: ctx.actorName },
      target: record.target,
      outcome: record.outcome ?? 'SUCCESS',
      sourceIp: ctx.sourceIp,
      userAgent: ctx.userAgent?.slice(0, 512) ?? null,
      trackingId: ctx.trackingId,
      details: { ...record.details, ...(ctx.via !== undefined && { via: ctx.via }) },
    };
    await repos.audit.insert(event);
    for (const subscriber of this.#subscribers) await subscriber(repos, event);
    return event;
  }
}
