import { sql, type Kysely } from 'kysely';
import { varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  const pats = () => db.schema.alterTable('personal_access_tokens');
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await pats()
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  // JSON array of canonical CIDRs; null: usable from anywhere.
  await pats().addColumn('allowed_cidrs', 'text').execute();
  // Rotation: the secret before the last rotation, kept after its grace window too, so that a
  // late use of it can be told from a wrong secret (reuse detection).
  await pats().addColumn('rotated_at', varchar(db, 24)).execute();
  await pats().addColumn('previous_secret_digest', varchar(db, 64)).execute();
  await pats().addColumn('previous_digest_version', 'integer').execute();
  await pats().addColumn('previous_secret_valid_until', varchar(db, 24)).execute();
  // Set with deleted_at when Patina revoked the PAT rather than someone deleting it.
  await pats().addColumn('revoked_reason', varchar(db, 16)).execute();
  // When the last inactivity warning was recorded; a use after it starts a new period.
  await pats().addColumn('inactivity_warned_at', varchar(db, 24)).execute();

  // A leaked secret is found by its digest (the digest is keyed, so equal secrets have equal
  // digests): indexes for the current and the previous secret of live PATs.
  await db.schema
    .createIndex('pat_secret_digest_live')
    .on('personal_access_tokens')
    .column('secret_digest')
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('pat_previous_secret_digest_live')
    .on('personal_access_tokens')
    .column('previous_secret_digest')
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();

  // Where each PAT was exchanged from: one row per (PAT, address), the 5 newest kept.
  await db.schema
    .createTable('pat_use_sources')
    .addColumn('pat_id', varchar(db, 32), (c) =>
      c.notNull().references('personal_access_tokens.id'),
    )
    .addColumn('ip', varchar(db, 64), (c) => c.notNull())
    .addColumn('user_agent', varchar(db, 512))
    .addColumn('at', varchar(db, 24), (c) => c.notNull())
    .addPrimaryKeyConstraint('pat_use_sources_pk', ['pat_id', 'ip'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pat_use_sources').execute();
  await db.schema.dropIndex('pat_previous_secret_digest_live').execute();
  await db.schema.dropIndex('pat_secret_digest_live').execute();
  for (const column of [
    'inactivity_warned_at',
    'revoked_reason',
    'previous_secret_valid_until',
    'previous_digest_version',
    'previous_secret_digest',
    'rotated_at',
    'allowed_cidrs',
    'description',
  ]) {
    await db.schema.alterTable('personal_access_tokens').dropColumn(column).execute();
  }
}
