import type { WebhookDisabledReason, WebhookEventType } from '@patina/contract';
import type { Db } from './database.js';
import { lockForTransaction } from './dialect.js';
import { parseStringArray } from './json.js';
import { countRows, findRowById, pageOldestFirst } from './rows.js';
import type { WebhookRow } from './tables.js';

/** A webhook endpoint as stored: its secrets sealed (see notifications/signer.ts). */
export interface WebhookRecord {
  id: string;
  url: string;
  description: string;
  events: WebhookEventType[];
  enabled: boolean;
  secretEnc: string;
  previousSecretEnc: string | null;
  previousSecretExpiresAt: string | null;
  disabledReason: WebhookDisabledReason | null;
  failingSince: string | null;
  createdBy: string | null;
  created: string;
  modified: string;
}

export interface WebhookChanges {
  url?: string;
  description?: string;
  events?: WebhookEventType[];
  enabled?: boolean;
  disabledReason?: WebhookDisabledReason | null;
  failingSince?: string | null;
  secretEnc?: string;
  previousSecretEnc?: string | null;
  previousSecretExpiresAt?: string | null;
  modified: string;
}

export class WebhooksRepository {
  constructor(private readonly db: Db) {}

  async insert(webhook: WebhookRecord): Promise<void> {
    await this.db
      .insertInto('webhooks')
      .values({
        id: webhook.id,
        url: webhook.url,
        description: webhook.description,
        events: JSON.stringify(webhook.events),
        enabled: webhook.enabled ? 1 : 0,
        secret_enc: webhook.secretEnc,
        previous_secret_enc: webhook.previousSecretEnc,
        previous_secret_expires_at: webhook.previousSecretExpiresAt,
        disabled_reason: webhook.disabledReason,
        failing_since: webhook.failingSince,
        created_by: webhook.createdBy,
        created: webhook.created,
        modified: webhook.modified,
      })
      .execute();
  }

  async findById(id: string): Promise<WebhookRecord | undefined> {
    const row = await findRowById(this.db, 'webhooks', id);
    return row && toWebhook(row);
  }

  async list(page: { limit: number; offset: number }): Promise<WebhookRecord[]> {
    return (await pageOldestFirst(this.db, 'webhooks', page)).map(toWebhook);
  }

  /** Serialises webhook creates until the transaction ends, so a count and an insert agree. */
  async lockForCreate(): Promise<void> {
    await lockForTransaction(this.db, 'webhooks');
  }

  count(): Promise<number> {
    return countRows(this.db, 'webhooks');
  }

  /** The enabled endpoints subscribed to `type`. */
  async subscribers(type: WebhookEventType): Promise<WebhookRecord[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('enabled', '=', 1)
      .orderBy('id')
      .execute();
    return rows.map(toWebhook).filter((webhook) => webhook.events.includes(type));
  }

  async update(id: string, changes: WebhookChanges): Promise<boolean> {
    const result = await this.db
      .updateTable('webhooks')
      .set({
        ...(changes.url !== undefined && { url: changes.url }),
        ...(changes.description !== undefined && { description: changes.description }),
        ...(changes.events !== undefined && { events: JSON.stringify(changes.events) }),
        ...(changes.enabled !== undefined && { enabled: changes.enabled ? 1 : 0 }),
        ...(changes.disabledReason !== undefined && { disabled_reason: changes.disabledReason }),
        ...(changes.failingSince !== undefined && { failing_since: changes.failingSince }),
        ...(changes.secretEnc !== undefined && { secret_enc: changes.secretEnc }),
        ...(changes.previousSecretEnc !== undefined && {
          previous_secret_enc: changes.previousSecretEnc,
        }),
        ...(changes.previousSecretExpiresAt !== undefined && {
          previous_secret_expires_at: changes.previousSecretExpiresAt,
        }),
        modified: changes.modified,
      })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The start of a run of failures; an earlier start is kept. */
  async markFailing(id: string, since: string): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({ failing_since: since })
      .where('id', '=', id)
      .where('failing_since', 'is', null)
      .execute();
  }

  async clearFailing(id: string): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({ failing_since: null })
      .where('id', '=', id)
      .where('failing_since', 'is not', null)
      .execute();
  }

  /**
   * Disables an enabled endpoint; false when it was not enabled (another node, or an
   * administrator, got there first), so the disabling is told once.
   */
  async disable(id: string, reason: WebhookDisabledReason, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('webhooks')
      .set({ enabled: 0, disabled_reason: reason, modified: now })
      .where('id', '=', id)
      .where('enabled', '=', 1)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

function toWebhook(row: WebhookRow): WebhookRecord {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: parseStringArray(row.events) as WebhookEventType[],
    enabled: row.enabled === 1,
    secretEnc: row.secret_enc,
    previousSecretEnc: row.previous_secret_enc,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    createdBy: row.created_by,
    created: row.created,
    modified: row.modified,
  };
}
