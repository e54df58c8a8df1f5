import type { Kysely } from 'kysely';
import { varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // When the stream's receiver was last heard from (SSF 1.0 §8.1.1 `inactivity_timeout`): a poll,
  // a call about the stream, or (push) a delivered SET. Written at most once a minute; the
  // transmitter's housekeeping deletes streams silent for `ssf.inactivityTimeoutSeconds`.
  await db.schema
    .alterTable('ssf_streams')
    .addColumn('last_activity_at', varchar(db, 24))
    .execute();
  // A stream made before this upgrade is counted as heard from at the upgrade: its receiver gets
  // the whole timeout to show itself (a migration has no injected clock; this one moment is the
  // wall clock's).
  await db.updateTable('ssf_streams').set({ last_activity_at: new Date().toISOString() }).execute();
  await db.schema
    .createIndex('ssf_streams_last_activity')
    .on('ssf_streams')
    .column('last_activity_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('ssf_streams_last_activity').execute();
  await db.schema.alterTable('ssf_streams').dropColumn('last_activity_at').execute();
}
