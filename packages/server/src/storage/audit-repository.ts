import { type AuditEvent } from '@patina/contract';
import type { AuditQuery } from '../audit/model.js';
import type { Db } from './database.js';
import type { AuditEventRow } from './tables.js';

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async insert(event: AuditEvent): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values({
        id: event.id,
        time: event.time,
        type: event.type,
        actor_id: event.actor.id,
        actor_name: event.actor.name,
        target_type: event.target.type,
        target_id: event.target.id,
        target_name: event.target.name,
        outcome: event.outcome,
        source_ip: event.sourceIp,
        user_agent: event.userAgent,
        tracking_id: event.trackingId,
        details: JSON.stringify(event.details),
      })
      .execute();
  }

  /**
   * Sets `details.count` of one event: how many identical failures its row stands for
   * (RepeatedFailures). Nothing else of an event ever changes.
   */
  async setCount(id: string, count: number): Promise<void> {
    const row = await this.db
      .selectFrom('audit_events')
      .select('details')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return;
    const details = { ...(JSON.parse(row.details) as Record<string, unknown>), count };
    await this.db
      .updateTable('audit_events')
      .set({ details: JSON.stringify(details) })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Whether an event of `type` about `targetId` from `sourceIp` was recorded at or after `since`
   * (the target index finds it): for events raised once per target and address.
   */
  /**
   * The source addresses of the newest `limit` events of a type about one target since a time:
   * enough to tell whether an address (or its /64) already raised one.
   */
  async sourcesOf(query: {
    type: AuditEvent['type'];
    targetId: string;
    since: string;
    limit: number;
  }): Promise<(string | null)[]> {
    const rows = await this.db
      .selectFrom('audit_events')
      .select('source_ip')
      .where('target_id', '=', query.targetId)
      .where('type', '=', query.type)
      .where('time', '>=', query.since)
      .orderBy('time', 'desc')
      .limit(query.limit)
      .execute();
    return rows.map((row) => row.source_ip);
  }

  /** Newest first. */
  async list(query: AuditQuery): Promise<{ items: AuditEvent[]; total: number | undefined }> {
    let base = this.db.selectFrom('audit_events');
    if (query.type) base = base.where('type', '=', query.type);
    if (query.actorId) base = base.where('actor_id', '=', query.actorId);
    if (query.targetId) base = base.where('target_id', '=', query.targetId);
    if (query.from) base = base.where('time', '>=', query.from);
    if (query.to) base = base.where('time', '<', query.to);
    const rows = await base
      .selectAll()
      .orderBy('seq', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    if (!query.withTotal) return { items: rows.map(toEvent), total: undefined };
    const total = await base
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return { items: rows.map(toEvent), total: Number(total.n) };
  }
}

function toEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    time: row.time,
    type: row.type as AuditEvent['type'],
    actor: { id: row.actor_id, name: row.actor_name },
    target: {
      type: row.target_type as AuditEvent['target']['type'],
      id: row.target_id,
      name: row.target_name,
    },
    outcome: row.outcome,
    sourceIp: row.source_ip,
    userAgent: row.user_agent,
    trackingId: row.tracking_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}
