import { SSF_DELIVERY_PUSH } from '@patina/contract';
import type { Db } from './database.js';

/** An outbox as counted at a scrape: items waiting, and when the oldest was made. */
export interface OutboxCount {
  depth: number;
  oldest: string | null;
}

/**
 * The counts the metrics read at scrape time (docs/operations.md, "Metrics"). Each is one round
 * trip over an index, and the metrics cache them, so a scrape storm does not reach the database.
 */
export class GaugesRepository {
  constructor(private readonly db: Db) {}

  /**
   * Webhook and mail deliveries waiting (PENDING, due now or on a retry): one pass over the
   * `deliveries_due (status, next_attempt_at)` index's PENDING range.
   */
  async notificationOutboxes(): Promise<{ webhook: OutboxCount; mail: OutboxCount }> {
    const rows = await this.db
      .selectFrom('notification_deliveries')
      .select((eb) => [
        'channel',
        eb.fn.countAll<number | string>().as('n'),
        eb.fn.min('created').as('oldest'),
      ])
      .where('status', '=', 'PENDING')
      .groupBy('channel')
      .execute();
    const of = (channel: 'webhook' | 'email'): OutboxCount => {
      const row = rows.find((r) => r.channel === channel);
      return { depth: Number(row?.n ?? 0), oldest: row?.oldest ?? null };
    };
    return { webhook: of('webhook'), mail: of('email') };
  }

  /**
   * SETs waiting for a push receiver (neither taken nor given up): per push stream, over the
   * `ssf_events_pending (stream_id, acked_at, seq)` index. Streams are few (ssf.maxStreams).
   */
  async pushOutbox(): Promise<OutboxCount> {
    const row = await this.db
      .selectFrom('ssf_streams as s')
      .innerJoin('ssf_events as e', 'e.stream_id', 's.id')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('n'),
        eb.fn.min('e.created').as('oldest'),
      ])
      .where('s.delivery_method', '=', SSF_DELIVERY_PUSH)
      .where('e.acked_at', 'is', null)
      .where('e.next_attempt_at', 'is not', null)
      .executeTakeFirstOrThrow();
    return { depth: Number(row.n), oldest: row.oldest ?? null };
  }

  /**
   * PATs by status in one round trip (pats/status.ts decides the window): the live ones over the
   * `pat_owner_live` partial index, expired and expiring over `pat_expiration`; active is the
   * rest of the live ones. Revoked (by Patina: leaked, inactive, offboarded, reused) rows have
   * no index of their own: that count is a pass over the table, which the 30 s cache bounds.
   */
  async patCounts(window: { now: string; expiringBefore: string }): Promise<{
    active: number;
    expiring: number;
    expired: number;
    revoked: number;
  }> {
    const pats = () => this.db.selectFrom('personal_access_tokens');
    const row = await this.db
      .selectNoFrom((eb) => [
        pats()
          .select(eb.fn.countAll<number | string>().as('n'))
          .where('deleted_at', 'is', null)
          .as('live'),
        pats()
          .select(eb.fn.countAll<number | string>().as('n'))
          .where('deleted_at', 'is', null)
          .where('expiration_date', '<=', window.now)
          .as('expired'),
        pats()
          .select(eb.fn.countAll<number | string>().as('n'))
          .where('deleted_at', 'is', null)
          .where('expiration_date', '>', window.now)
          .where('expiration_date', '<=', window.expiringBefore)
          .as('expiring'),
        pats()
          .select(eb.fn.countAll<number | string>().as('n'))
          .where('deleted_at', 'is not', null)
          .where('revoked_reason', 'is not', null)
          .as('revoked'),
      ])
      .executeTakeFirstOrThrow();
    const expired = Number(row.expired ?? 0);
    const expiring = Number(row.expiring ?? 0);
    return {
      active: Number(row.live ?? 0) - expired - expiring,
      expiring,
      expired,
      revoked: Number(row.revoked ?? 0),
    };
  }
}
