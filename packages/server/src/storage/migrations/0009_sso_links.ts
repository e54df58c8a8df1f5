import type { Kysely } from 'kysely';
import { varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // The OpenID provider account an identity is bound to: its (issuer, sub) pair, the only claims
  // a relying party may treat as a stable identifier (OpenID Connect Core §5.7). Set at the first
  // SSO sign-in or by an administrator; null for identities SSO has never reached. One account
  // names at most one identity. Both columns are null together, and NULLs never collide in a
  // unique index on SQLite or PostgreSQL. `sub` is at most 255 ASCII characters (Core §2).
  await db.schema.alterTable('identities').addColumn('sso_issuer', varchar(db, 512)).execute();
  await db.schema.alterTable('identities').addColumn('sso_subject', varchar(db, 255)).execute();
  await db.schema
    .createIndex('identities_sso_link')
    .on('identities')
    .columns(['sso_issuer', 'sso_subject'])
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('identities_sso_link').execute();
  await db.schema.alterTable('identities').dropColumn('sso_subject').execute();
  await db.schema.alterTable('identities').dropColumn('sso_issuer').execute();
}
