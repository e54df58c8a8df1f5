import type { Kysely } from 'kysely';
import { needsAutoIncrement, serialKeyType, varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Where the owner is mailed about its PATs; optional.
  await db.schema.alterTable('identities').addColumn('email', varchar(db, 254)).execute();

  // Webhook endpoints. The signing secret must be recovered to sign, so it is encrypted under the
  // master key (AES-256-GCM), never stored in the clear; during a rotation's overlap the previous
  // one is kept until previous_secret_expires_at.
  await db.schema
    .createTable('webhooks')
    .addColumn('id', varchar(db, 32), (c) => c.primaryKey())
    .addColumn('url', varchar(db, 2048), (c) => c.notNull())
    .addColumn('description', varchar(db, 1000), (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('previous_secret_enc', 'text')
    .addColumn('previous_secret_expires_at', varchar(db, 24))
    .addColumn('disabled_reason', varchar(db, 16))
    .addColumn('failing_since', varchar(db, 24))
    .addColumn('created_by', varchar(db, 32))
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('modified', varchar(db, 24), (c) => c.notNull())
    .execute();

  // The outbox: one row per message to one endpoint or one mailbox, written in the transaction of
  // the change it tells of. seq orders each endpoint's messages.
  await db.schema
    .createTable('notification_deliveries')
    .addColumn('seq', serialKeyType(db), (c) =>
      needsAutoIncrement(db) ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('id', varchar(db, 32), (c) => c.notNull().unique())
    .addColumn('channel', varchar(db, 16), (c) => c.notNull())
    .addColumn('webhook_id', varchar(db, 32))
    .addColumn('recipient', varchar(db, 254))
    .addColumn('event_id', varchar(db, 64), (c) => c.notNull())
    .addColumn('event_type', varchar(db, 64), (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', varchar(db, 16), (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', varchar(db, 24))
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('delivered_at', varchar(db, 24))
    .execute();
  await db.schema
    .createIndex('deliveries_due')
    .on('notification_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('deliveries_webhook')
    .on('notification_deliveries')
    .columns(['webhook_id', 'seq'])
    .execute();

  await db.schema
    .createTable('notification_attempts')
    .addColumn('delivery_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', varchar(db, 24), (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', varchar(db, 256))
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_attempts_pk', ['delivery_id', 'attempt'])
    .execute();

  // One row per PAT, expiry and threshold warned about: the primary key makes each warning
  // happen once, whichever node sweeps and however often. A new expiry date starts afresh.
  await db.schema
    .createTable('expiry_warnings')
    .addColumn('pat_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('expiration_date', varchar(db, 24), (c) => c.notNull())
    .addColumn('threshold_days', 'integer', (c) => c.notNull())
    .addColumn('warned_at', varchar(db, 24), (c) => c.notNull())
    .addPrimaryKeyConstraint('expiry_warnings_pk', ['pat_id', 'expiration_date', 'threshold_days'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('expiry_warnings').execute();
  await db.schema.dropTable('notification_attempts').execute();
  await db.schema.dropTable('notification_deliveries').execute();
  await db.schema.dropTable('webhooks').execute();
  await db.schema.alterTable('identities').dropColumn('email').execute();
}
