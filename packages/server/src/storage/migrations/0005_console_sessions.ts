import type { Kysely } from 'kysely';
import { varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Web console sessions, kept server-side so that signing out, an idle timeout or a disabled
  // identity ends them on every node. The browser holds only the cookie; the table holds its
  // SHA-256 digest, never the cookie itself. A session signed in with a PAT keeps the access
  // token of that exchange sealed (AES-256-GCM under a key derived from the master key).
  await db.schema
    .createTable('console_sessions')
    .addColumn('id', varchar(db, 40), (c) => c.primaryKey())
    .addColumn('token_digest', varchar(db, 64), (c) => c.notNull().unique())
    .addColumn('csrf_token', varchar(db, 64), (c) => c.notNull())
    .addColumn('identity_id', varchar(db, 32), (c) => c.notNull().references('identities.id'))
    .addColumn('method', varchar(db, 8), (c) => c.notNull())
    .addColumn('pat_id', varchar(db, 32))
    .addColumn('access_token_sealed', 'text')
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('last_seen', varchar(db, 24), (c) => c.notNull())
    .addColumn('expires_at', varchar(db, 24), (c) => c.notNull())
    .addColumn('revoked_at', varchar(db, 24))
    .addColumn('revoked_reason', varchar(db, 32))
    .addColumn('source_ip', varchar(db, 64))
    .addColumn('user_agent', varchar(db, 512))
    .execute();
  await db.schema
    .createIndex('console_sessions_identity')
    .on('console_sessions')
    .column('identity_id')
    .execute();
  await db.schema
    .createIndex('console_sessions_expires')
    .on('console_sessions')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('console_sessions').execute();
}
