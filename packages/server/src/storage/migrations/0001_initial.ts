import { sql, type Kysely } from 'kysely';
import { needsAutoIncrement, serialKeyType, varchar } from '../dialect.js';

// Migrations take Kysely<any>: they describe the schema as it was at their time, not as the
// current table types say.
/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('identities')
    .addColumn('id', varchar(db, 32), (c) => c.primaryKey())
    .addColumn('login', varchar(db, 128), (c) => c.notNull().unique())
    .addColumn('name', varchar(db, 256), (c) => c.notNull())
    .addColumn('status', varchar(db, 16), (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('rights', 'text', (c) => c.notNull())
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('modified', varchar(db, 24), (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('personal_access_tokens')
    .addColumn('id', varchar(db, 32), (c) => c.primaryKey())
    .addColumn('owner_id', varchar(db, 32), (c) => c.notNull().references('identities.id'))
    .addColumn('name', varchar(db, 128), (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('secret_digest', varchar(db, 64), (c) => c.notNull())
    .addColumn('digest_version', 'integer', (c) => c.notNull())
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('last_used', varchar(db, 24))
    .addColumn('managed', 'integer', (c) => c.notNull())
    .addColumn('access_token_validity_seconds', 'integer', (c) => c.notNull())
    .addColumn('expiration_date', varchar(db, 24))
    .addColumn('user_aware_token_never_expires', 'integer', (c) => c.notNull())
    .addColumn('deleted_at', varchar(db, 24))
    .addColumn('expiry_recorded_at', varchar(db, 24))
    .execute();
  // A name is unique among the live PATs of one owner (docs/rules.md, "Personal access tokens");
  // deleted rows keep their names.
  await db.schema
    .createIndex('pat_owner_name_live')
    .on('personal_access_tokens')
    .columns(['owner_id', 'name'])
    .unique()
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('pat_owner_created')
    .on('personal_access_tokens')
    .columns(['owner_id', 'created'])
    .execute();
  await db.schema
    .createIndex('pat_expiration')
    .on('personal_access_tokens')
    .column('expiration_date')
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('seq', serialKeyType(db), (c) =>
      needsAutoIncrement(db) ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn('id', varchar(db, 32), (c) => c.notNull().unique())
    .addColumn('time', varchar(db, 24), (c) => c.notNull())
    .addColumn('type', varchar(db, 64), (c) => c.notNull())
    .addColumn('actor_id', varchar(db, 32))
    .addColumn('actor_name', varchar(db, 256))
    .addColumn('target_type', varchar(db, 32), (c) => c.notNull())
    .addColumn('target_id', varchar(db, 64)) // ids, and signing-key thumbprints (43)
    .addColumn('target_name', varchar(db, 256))
    .addColumn('outcome', varchar(db, 16), (c) => c.notNull())
    .addColumn('source_ip', varchar(db, 64))
    .addColumn('user_agent', varchar(db, 512))
    .addColumn('tracking_id', varchar(db, 32))
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_time').on('audit_events').column('time').execute();
  await db.schema.createIndex('audit_target').on('audit_events').column('target_id').execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', varchar(db, 64), (c) => c.primaryKey())
    .addColumn('alg', varchar(db, 16), (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk_enc', 'text', (c) => c.notNull())
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('retired', varchar(db, 24))
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', varchar(db, 64), (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'settings',
    'signing_keys',
    'audit_events',
    'personal_access_tokens',
    'identities',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
