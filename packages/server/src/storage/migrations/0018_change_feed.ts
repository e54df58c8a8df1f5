import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  // The change feed between processes on one SQLite file (docs/decisions.md, "Workers"): each
  // write that caches must hear of adds a row in its own transaction; every process reads the
  // rows after another connection's commit. PostgreSQL's nodes hear each other through NOTIFY.
  if (dialectOf(db) !== 'sqlite') return;
  await db.schema
    .createTable('change_feed')
    .addColumn('seq', 'integer', (column) => column.primaryKey().autoIncrement())
    .addColumn('origin', 'text', (column) => column.notNull())
    .addColumn('payload', 'text', (column) => column.notNull())
    .addColumn('created_at_ms', 'integer', (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  await db.schema.dropTable('change_feed').execute();
}
