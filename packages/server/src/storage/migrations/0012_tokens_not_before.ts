import type { Kysely } from 'kysely';
import { varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // A PAT's access tokens issued before this second are refused for good (docs/rules.md,
  // "Lifecycle"): each rotation sets it to the rotation before it, whose secret's grace the new
  // rotation ended. rotated_at and previous_secret_valid_until describe the last rotation only,
  // so without it a second rotation would bring the first one's retired tokens back.
  await db.schema
    .alterTable('personal_access_tokens')
    .addColumn('tokens_not_before', varchar(db, 24))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('personal_access_tokens').dropColumn('tokens_not_before').execute();
}
