import { sql, type Kysely } from 'kysely';

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
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('identities_login_lower').execute();
}
