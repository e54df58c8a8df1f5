import type { Kysely } from 'kysely';
import { needsAutoIncrement, serialKeyType, varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // One row per change told to Shared Signals receivers, written in the transaction of the audit
  // event it tells of, whatever the number of streams: the SETs themselves are signed per stream
  // later, when its receiver polls or the push feeder reaches it (docs/decisions.md, "Shared
  // Signals"). `events` is the JSON of what each SET will say.
  await db.schema
    .createTable('ssf_changes')
    .addColumn('seq', serialKeyType(db), (c) =>
      needsAutoIncrement(db) ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('txn', varchar(db, 64), (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ssf_changes_created').on('ssf_changes').column('created').execute();

  // How far each stream has taken the change log: the seq of the last change it turned into
  // SETs (or skipped). A new stream starts at the log's head.
  await db.schema
    .alterTable('ssf_streams')
    .addColumn('cursor_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The per-client stream limit counts by client.
  await db.schema.createIndex('ssf_streams_client').on('ssf_streams').column('client_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('ssf_streams_client').execute();
  await db.schema.alterTable('ssf_streams').dropColumn('cursor_seq').execute();
  await db.schema.dropTable('ssf_changes').execute();
}
