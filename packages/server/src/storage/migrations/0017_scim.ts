import type { Kysely } from 'kysely';
import { varchar } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // Identities the directory provisions over SCIM (RFC 7643): marked as directory-managed, with
  // the directory's externalId (unique per provisioning client: the identity whose PAT calls
  // /scim/v2) and the enterprise extension's fields.
  await db.schema
    .alterTable('identities')
    .addColumn('directory_managed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('identities').addColumn('scim_client', varchar(db, 32)).execute();
  await db.schema.alterTable('identities').addColumn('external_id', varchar(db, 256)).execute();
  await db.schema.alterTable('identities').addColumn('employee_number', varchar(db, 128)).execute();
  await db.schema.alterTable('identities').addColumn('department', varchar(db, 256)).execute();
  await db.schema
    .createIndex('identities_scim_external_id')
    .on('identities')
    .columns(['scim_client', 'external_id'])
    .unique()
    .execute();

  // Groups the directory pushes; their members' roles follow scim.groupRoles.
  await db.schema
    .createTable('scim_groups')
    .addColumn('id', varchar(db, 32), (c) => c.primaryKey())
    .addColumn('scim_client', varchar(db, 32), (c) => c.notNull())
    .addColumn('display_name', varchar(db, 256), (c) => c.notNull())
    .addColumn('external_id', varchar(db, 256))
    .addColumn('created', varchar(db, 24), (c) => c.notNull())
    .addColumn('modified', varchar(db, 24), (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('scim_groups_external_id')
    .on('scim_groups')
    .columns(['scim_client', 'external_id'])
    .unique()
    .execute();
  await db.schema
    .createTable('scim_group_members')
    .addColumn('group_id', varchar(db, 32), (c) => c.notNull())
    .addColumn('identity_id', varchar(db, 32), (c) => c.notNull())
    .addPrimaryKeyConstraint('scim_group_members_pk', ['group_id', 'identity_id'])
    .execute();
  await db.schema
    .createIndex('scim_group_members_identity')
    .on('scim_group_members')
    .columns(['identity_id'])
    .execute();

  // The directory's requests and their outcomes, for the console's setup page: the newest 500
  // (scim-repository.ts trims). Never a token or a body.
  await db.schema
    .createTable('scim_events')
    .addColumn('id', varchar(db, 32), (c) => c.primaryKey())
    .addColumn('at', varchar(db, 24), (c) => c.notNull())
    .addColumn('method', varchar(db, 16), (c) => c.notNull())
    .addColumn('path', varchar(db, 512), (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('resource_type', varchar(db, 16))
    .addColumn('resource_id', varchar(db, 64))
    .addColumn('external_id', varchar(db, 256))
    .addColumn('name', varchar(db, 256))
    .addColumn('client_id', varchar(db, 32))
    .addColumn('message', varchar(db, 512))
    .execute();
  await db.schema.createIndex('scim_events_at').on('scim_events').columns(['at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('scim_events').execute();
  await db.schema.dropTable('scim_group_members').execute();
  await db.schema.dropTable('scim_groups').execute();
  await db.schema.dropIndex('identities_scim_external_id').execute();
  for (const column of [
    'department',
    'employee_number',
    'external_id',
    'scim_client',
    'directory_managed',
  ]) {
    await db.schema.alterTable('identities').dropColumn(column).execute();
  }
}
