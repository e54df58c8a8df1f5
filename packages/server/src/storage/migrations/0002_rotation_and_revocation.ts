import type { Kysely } from 'kysely';
import { varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // A retired key stops signing at `retired` but stays published, for verification, until
  // `verify_until`: the expiry of the last token it can have signed.
  await db.schema.alterTable('signing_keys').addColumn('verify_until', varchar(db, 24)).execute();

  // RFC 7009 revocation: a deny-list of access tokens by jti, kept until the token would have
  // expired anyway, then pruned.
  await db.schema
    .createTable('revoked_tokens')
    .addColumn('jti', varchar(db, 64), (c) => c.primaryKey())
    .addColumn('client_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('expires_at', varchar(db, 24), (c) => c.notNull())
    .addColumn('revoked_at', varchar(db, 24), (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('revoked_tokens_expires')
    .on('revoked_tokens')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('revoked_tokens').execute();
  await db.schema.alterTable('signing_keys').dropColumn('verify_until').execute();
}
