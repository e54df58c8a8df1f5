import type { Kysely } from 'kysely';
import { varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Requests for a PAT (or a new scope of one) that an approval rule holds back. The input is
  // kept as asked and checked again against every rule when an approver says yes; the secret of
  // an approved PAT waits here, sealed with the master key, until the requester fetches it once.
  await db.schema
    .createTable('pat_requests')
    .addColumn('id', varchar(db, 36), (c) => c.primaryKey())
    .addColumn('kind', varchar(db, 16), (c) => c.notNull())
    .addColumn('status', varchar(db, 16), (c) => c.notNull())
    .addColumn('requester_id', varchar(db, 32))
    .addColumn('requester_name', varchar(db, 256), (c) => c.notNull())
    .addColumn('owner_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('pat_name', varchar(db, 128), (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('sensitive_scopes', 'text', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('justification', 'text', (c) => c.notNull())
    .addColumn('ticket_url', varchar(db, 2048))
    .addColumn('expiration_date', varchar(db, 24))
    .addColumn('pat_id', varchar(db, 32))
    .addColumn('sealed_secret', 'text')
    .addColumn('secret_available_until', varchar(db, 24))
    .addColumn('expires_at', varchar(db, 24), (c) => c.notNull())
    .addColumn('decided_by_id', varchar(db, 32))
    .addColumn('decided_by_name', varchar(db, 256))
    .addColumn('decided_at', varchar(db, 24))
    .addColumn('comment', 'text')
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('modified', varchar(db, 24), (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('pat_requests_status')
    .on('pat_requests')
    .columns(['status', 'expires_at'])
    .execute();
  await db.schema
    .createIndex('pat_requests_requester')
    .on('pat_requests')
    .columns(['requester_id', 'created'])
    .execute();

  // Certification campaigns and their items: one item per PAT selected when the campaign
  // started, with the identities who may decide it in a table of their own (the inbox query).
  await db.schema
    .createTable('access_reviews')
    .addColumn('id', varchar(db, 36), (c) => c.primaryKey())
    .addColumn('name', varchar(db, 128), (c) => c.notNull())
    .addColumn('status', varchar(db, 8), (c) => c.notNull())
    .addColumn('selection', 'text', (c) => c.notNull())
    .addColumn('reviewers', 'text', (c) => c.notNull())
    .addColumn('deadline', varchar(db, 24), (c) => c.notNull())
    .addColumn('when_undecided', varchar(db, 8), (c) => c.notNull())
    .addColumn('every_days', 'integer')
    .addColumn('next_start_at', varchar(db, 24))
    .addColumn('previous_id', varchar(db, 36))
    .addColumn('reminders_sent', 'text', (c) => c.notNull())
    .addColumn('created_by_id', varchar(db, 32))
    .addColumn('created_by_name', varchar(db, 256), (c) => c.notNull())
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('closed_at', varchar(db, 24))
    .execute();
  await db.schema
    .createIndex('access_reviews_status')
    .on('access_reviews')
    .columns(['status', 'deadline'])
    .execute();
  await db.schema
    .createTable('access_review_items')
    .addColumn('id', varchar(db, 36), (c) => c.primaryKey())
    .addColumn('review_id', varchar(db, 36), (c) => c.notNull())
    .addColumn('pat_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('pat_name', varchar(db, 128), (c) => c.notNull())
    .addColumn('owner_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('outcome', varchar(db, 16), (c) => c.notNull())
    .addColumn('decision', varchar(db, 8))
    .addColumn('decided_by_id', varchar(db, 32))
    .addColumn('decided_by_name', varchar(db, 256))
    .addColumn('decided_at', varchar(db, 24))
    .addColumn('comment', 'text')
    .addColumn('expiration_date', varchar(db, 24))
    .execute();
  await db.schema
    .createIndex('access_review_items_review')
    .on('access_review_items')
    .columns(['review_id', 'outcome'])
    .execute();
  await db.schema
    .createTable('access_review_reviewers')
    .addColumn('item_id', varchar(db, 36), (c) => c.notNull())
    .addColumn('review_id', varchar(db, 36), (c) => c.notNull())
    .addColumn('identity_id', varchar(db, 32), (c) => c.notNull())
    .addPrimaryKeyConstraint('access_review_reviewers_pk', ['item_id', 'identity_id'])
    .execute();
  await db.schema
    .createIndex('access_review_reviewers_identity')
    .on('access_review_reviewers')
    .columns(['identity_id', 'review_id'])
    .execute();

  // Exchanges per PAT and UTC day, success and failure: added to by each node's counters every
  // few seconds (never a write per exchange), kept for accessReviews.usageHistoryDays.
  await db.schema
    .createTable('pat_usage_days')
    .addColumn('pat_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('day', varchar(db, 10), (c) => c.notNull())
    .addColumn('succeeded', 'integer', (c) => c.notNull())
    .addColumn('failed', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pat_usage_days_pk', ['pat_id', 'day'])
    .execute();
  await db.schema.createIndex('pat_usage_days_day').on('pat_usage_days').columns(['day']).execute();

  // An identity's manager, when the directory says (SCIM's enterprise extension): access reviews
  // with reviewers MANAGER ask them.
  await db.schema.alterTable('identities').addColumn('manager_id', varchar(db, 32)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('identities').dropColumn('manager_id').execute();
  await db.schema.dropTable('pat_usage_days').execute();
  await db.schema.dropTable('access_review_reviewers').execute();
  await db.schema.dropTable('access_review_items').execute();
  await db.schema.dropTable('access_reviews').execute();
  await db.schema.dropTable('pat_requests').execute();
}
