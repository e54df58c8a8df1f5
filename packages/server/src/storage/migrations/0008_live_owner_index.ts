import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Every query by owner asks for live PATs only (the list, the per-owner limit, offboarding,
  // the expiry mails). The index over all of an owner's rows made the per-owner count walk every
  // PAT the owner ever deleted, so creating got slower with each delete (docs/benchmarks.md, S3).
  // Live rows only, in the list's default order.
  await db.schema
    .createIndex('pat_owner_live')
    .on('personal_access_tokens')
    .columns(['owner_id', 'created', 'id'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
  await db.schema.dropIndex('pat_owner_created').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('pat_owner_created')
    .on('personal_access_tokens')
    .columns(['owner_id', 'created'])
    .execute();
  await db.schema.dropIndex('pat_owner_live').execute();
}
