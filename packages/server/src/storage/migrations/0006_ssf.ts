import type { Kysely } from 'kysely';
import { needsAutoIncrement, serialKeyType, varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // The Shared Signals transmitter's own signing keys (RS256, as the CAEP interoperability
  // profile asks), kept exactly as the access-token keys are: private halves encrypted under the
  // master key, retired keys verifying until verify_until.
  await db.schema
    .createTable('ssf_signing_keys')
    .addColumn('kid', varchar(db, 64), (c) => c.primaryKey())
    .addColumn('alg', varchar(db, 16), (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk_enc', 'text', (c) => c.notNull())
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('retired', varchar(db, 24))
    .addColumn('verify_until', varchar(db, 24))
    .execute();

  // One row per stream (SSF 1.0 §8.1.1). client_id is the PAT that made it: only its owner's
  // callers with the right may see it. The push Authorization header is a secret of the
  // receiver's: encrypted under the master key, never answered.
  await db.schema
    .createTable('ssf_streams')
    .addColumn('id', varchar(db, 32), (c) => c.primaryKey())
    .addColumn('client_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('audience', varchar(db, 2048), (c) => c.notNull())
    .addColumn('events_requested', 'text', (c) => c.notNull())
    .addColumn('delivery_method', varchar(db, 32), (c) => c.notNull())
    .addColumn('endpoint_url', varchar(db, 2048))
    .addColumn('authorization_header_enc', 'text')
    .addColumn('description', varchar(db, 1000))
    .addColumn('status', varchar(db, 16), (c) => c.notNull())
    .addColumn('status_reason', varchar(db, 1000))
    .addColumn('last_verification', varchar(db, 24))
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('modified', varchar(db, 24), (c) => c.notNull())
    .execute();

  // Subjects a receiver removed from its stream (default_subjects is ALL): by the subject's
  // canonical JSON, so one subject is one row.
  await db.schema
    .createTable('ssf_removed_subjects')
    .addColumn('stream_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('subject_key', varchar(db, 2400), (c) => c.notNull())
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addPrimaryKeyConstraint('ssf_removed_subjects_pk', ['stream_id', 'subject_key'])
    .execute();

  // Signed SETs waiting for their receiver, written in the transaction of the change they tell
  // of. Poll streams take them until acknowledged (RFC 8936 §2.4); push streams until a 202
  // (RFC 8935 §2.2) or the last retry. seq orders each stream's SETs.
  await db.schema
    .createTable('ssf_events')
    .addColumn('seq', serialKeyType(db), (c) =>
      needsAutoIncrement(db) ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('stream_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('jti', varchar(db, 32), (c) => c.notNull().unique())
    .addColumn('event_type', varchar(db, 256), (c) => c.notNull())
    .addColumn('set_jwt', 'text', (c) => c.notNull())
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('acked_at', varchar(db, 24))
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', varchar(db, 24))
    .addColumn('last_error', varchar(db, 256))
    .execute();
  await db.schema
    .createIndex('ssf_events_pending')
    .on('ssf_events')
    .columns(['stream_id', 'acked_at', 'seq'])
    .execute();
  await db.schema.createIndex('ssf_events_created').on('ssf_events').column('created').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['ssf_events', 'ssf_removed_subjects', 'ssf_streams', 'ssf_signing_keys']) {
    await db.schema.dropTable(table).execute();
  }
}
