import type { Kysely } from 'kysely';
import { varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Workload identity federation: who may trade which platform's OIDC token for an access token
  // of which identity. Nothing secret is stored: the issuer's keys are public and fetched.
  await db.schema
    .createTable('trust_policies')
    .addColumn('id', varchar(db, 35), (c) => c.primaryKey())
    .addColumn('name', varchar(db, 128), (c) => c.notNull())
    .addColumn('issuer', varchar(db, 2048), (c) => c.notNull())
    .addColumn('jwks_uri', varchar(db, 2048))
    .addColumn('audience', varchar(db, 2048), (c) => c.notNull())
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('identity_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('max_token_lifetime_seconds', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('require_dpop', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('template', varchar(db, 32))
    .addColumn('last_used', varchar(db, 24))
    // Access tokens the policy issued before this second are refused: set when it is disabled
    // or what it lets in changes, so enabling it again does not bring those back.
    .addColumn('tokens_not_before', varchar(db, 24))
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('modified', varchar(db, 24), (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('trust_policies_issuer')
    .on('trust_policies')
    .columns(['issuer'])
    .execute();

  // Incoming tokens already exchanged, kept until they expire: a replay is refused on every
  // node (the primary key is the check).
  await db.schema
    .createTable('federation_replays')
    .addColumn('issuer', varchar(db, 2048), (c) => c.notNull())
    .addColumn('jti', varchar(db, 256), (c) => c.notNull())
    .addColumn('expires_at', varchar(db, 24), (c) => c.notNull())
    .addPrimaryKeyConstraint('federation_replays_pk', ['issuer', 'jti'])
    .execute();
  await db.schema
    .createIndex('federation_replays_expiry')
    .on('federation_replays')
    .columns(['expires_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('federation_replays').execute();
  await db.schema.dropTable('trust_policies').execute();
}
