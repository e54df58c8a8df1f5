import type { DeliveryAttempt, DeliveryStatus } from '@patina/contract';
import type { Db } from './database.js';
import { supportsRowLocks } from './dialect.js';
import type { DeliveryRow } from './tables.js';

/** A message for the outbox: to one webhook endpoint, or to one mailbox. */
export type NewDelivery = {
  id: string;
  eventId: string;
  eventType: string;
  payload: string;
  created: string;
  /** Due from then on; normally `created`. */
  notBefore: string;
} & ({ channel: 'webhook'; webhookId: string } | { channel: 'email'; recipient: string });

/** A due delivery, claimed for sending, with what sending it needs. */
export interface DueDelivery {
  id: string;
  channel: 'webhook' | 'email';
  webhookId: string | null;
  recipient: string | null;
  eventId: string;
  eventType: string;
  payload: string;
  attempts: number;
  created: string;
}

export interface DeliveryRecord {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  nextAttemptAt: string | null;
  created: string;
  deliveredAt: string | null;
}

export class DeliveriesRepository {
  constructor(private readonly db: Db) {}

  async insert(deliveries: readonly NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.db
      .insertInto('notification_deliveries')
      .values(
        deliveries.map((d) => ({
          id: d.id,
          channel: d.channel,
          webhook_id: d.channel === 'webhook' ? d.webhookId : null,
          recipient: d.channel === 'email' ? d.recipient : null,
          event_id: d.eventId,
          event_type: d.eventType,
          payload: d.payload,
          status: 'PENDING' as const,
          attempts: 0,
          next_attempt_at: d.notBefore,
          created: d.created,
          delivered_at: null,
        })),
      )
      .execute();
  }

  /**
   * Up to `limit` deliveries due at `now`, oldest first. A webhook delivery is due only when its
   * endpoint is enabled and no older delivery to the same endpoint is still pending, so each
   * endpoint gets its events one at a time, in order. On PostgreSQL the rows are locked
   * (`FOR UPDATE SKIP LOCKED`) until the caller's transaction ends: another node skips them,
   * and if this node dies mid-send the lock goes with its connection and the rows are due again
   * at once. SQLite serves one node, whose worker runs one pass at a time.
   */
  async claimDue(now: string, limit: number): Promise<DueDelivery[]> {
    let query = this.db
      .selectFrom('notification_deliveries as d')
      .leftJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select([
        'd.id',
        'd.channel',
        'd.webhook_id',
        'd.recipient',
        'd.event_id',
        'd.event_type',
        'd.payload',
        'd.attempts',
        'd.created',
      ])
      .where('d.status', '=', 'PENDING')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) =>
        eb.or([
          eb('d.channel', '=', 'email'),
          eb.and([
            eb('w.enabled', '=', 1),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('notification_deliveries as e')
                  .select('e.id')
                  .whereRef('e.webhook_id', '=', 'd.webhook_id')
                  .where('e.status', '=', 'PENDING')
                  .whereRef('e.seq', '<', 'd.seq'),
              ),
            ),
          ]),
        ]),
      )
      .orderBy('d.seq')
      .limit(limit);
    if (supportsRowLocks(this.db)) query = query.forUpdate('d').skipLocked();
    const rows = await query.execute();
    return rows.map((row) => ({
      id: row.id,
      channel: row.channel,
      webhookId: row.webhook_id,
      recipient: row.recipient,
      eventId: row.event_id,
      eventType: row.event_type,
      payload: row.payload,
      attempts: row.attempts,
      created: row.created,
    }));
  }

  async recordAttempt(deliveryId: string, attempt: DeliveryAttempt): Promise<void> {
    await this.db
      .insertInto('notification_attempts')
      .values({
        delivery_id: deliveryId,
        attempt: attempt.attempt,
        at: attempt.at,
        status_code: attempt.statusCode,
        error: attempt.error?.slice(0, 256) ?? null,
        duration_ms: attempt.durationMs,
      })
      .execute();
  }

  /** The outcome of an attempt: delivered, given up (no next time), or due again at `next`. */
  async settle(
    id: string,
    outcome: { attempts: number; status: DeliveryStatus; nextAttemptAt: string | null; at: string },
  ): Promise<void> {
    await this.db
      .updateTable('notification_deliveries')
      .set({
        attempts: outcome.attempts,
        status: outcome.status,
        next_attempt_at: outcome.nextAttemptAt,
        ...(outcome.status === 'DELIVERED' && { delivered_at: outcome.at }),
      })
      .where('id', '=', id)
      .execute();
  }

  async findForWebhook(webhookId: string, id: string): Promise<DeliveryRecord | undefined> {
    const row = await this.db
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return (await this.#withAttempts([row]))[0];
  }

  /** An endpoint's deliveries, newest first, with their attempts. */
  async listForWebhook(
    webhookId: string,
    query: { status?: DeliveryStatus | undefined; limit: number; offset: number },
  ): Promise<DeliveryRecord[]> {
    let select = this.db
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId);
    if (query.status) select = select.where('status', '=', query.status);
    const rows = await select
      .orderBy('seq', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return this.#withAttempts(rows);
  }

  async countForWebhook(webhookId: string, status?: DeliveryStatus): Promise<number> {
    let select = this.db
      .selectFrom('notification_deliveries')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('webhook_id', '=', webhookId);
    if (status) select = select.where('status', '=', status);
    return Number((await select.executeTakeFirstOrThrow()).n);
  }

  /** Removes an endpoint's deliveries and their attempts (the endpoint is being deleted). */
  async deleteForWebhook(webhookId: string): Promise<void> {
    await this.db
      .deleteFrom('notification_attempts')
      .where(
        'delivery_id',
        'in',
        this.db
          .selectFrom('notification_deliveries')
          .select('id')
          .where('webhook_id', '=', webhookId),
      )
      .execute();
    await this.db
      .deleteFrom('notification_deliveries')
      .where('webhook_id', '=', webhookId)
      .execute();
  }

  async #withAttempts(rows: DeliveryRow[]): Promise<DeliveryRecord[]> {
    if (rows.length === 0) return [];
    const attempts = await this.db
      .selectFrom('notification_attempts')
      .selectAll()
      .where(
        'delivery_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('delivery_id')
      .orderBy('attempt')
      .execute();
    const byDelivery = new Map<string, DeliveryAttempt[]>();
    for (const a of attempts) {
      const list = byDelivery.get(a.delivery_id) ?? [];
      list.push({
        attempt: a.attempt,
        at: a.at,
        statusCode: a.status_code,
        error: a.error,
        durationMs: a.duration_ms,
      });
      byDelivery.set(a.delivery_id, list);
    }
    return rows.map((row) => ({
      id: row.id,
      webhookId: row.webhook_id ?? '',
      eventId: row.event_id,
      eventType: row.event_type,
      status: row.status,
      attempts: byDelivery.get(row.id) ?? [],
      nextAttemptAt: row.status === 'PENDING' ? row.next_attempt_at : null,
      created: row.created,
      deliveredAt: row.delivered_at,
    }));
  }
}
