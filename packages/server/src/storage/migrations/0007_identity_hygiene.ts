import { sql, type Kysely } from 'kysely';
import { varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Logins are unique whatever their case: `ADMIN` beside `admin` reads as the same person in
  // every log and list. Logins are ASCII (identity-service.ts), so lower() is the same on SQLite
  // and PostgreSQL.
  await db.schema
    .createIndex('identities_login_lower')
    .on('identities')
    .unique()
    .expression(sql`lower(login)`)
    .execute();
  // When the identity was last disabled: access tokens issued before it stay dead when it is
  // enabled again (auth/bearer.ts).
  await db.schema.alterTable('identities').addColumn('disabled_at', varchar(db, 24)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('identities').dropColumn('disabled_at').execute();
  await db.schema.dropIndex('identities_login_lower').execute();
}
