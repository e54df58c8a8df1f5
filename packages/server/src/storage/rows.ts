import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { Database } from './tables.js';

/**
 * Reads that are the same on every table of records (a text `id`, a `created` date-time):
 * one by id, a page oldest first, a count.
 */
type RecordTable = {
  [T in keyof Database]: Database[T] extends { id: string; created: string } ? T : never;
}[keyof Database];

type RowOf<T extends RecordTable> = Selectable<Database[T]>;

/** The row of `table` with this id, every column. */
export function findRowById<T extends RecordTable>(
  db: Db,
  table: T,
  id: string,
): Promise<RowOf<T> | undefined> {
  // Kysely cannot resolve a column of a table named by a type parameter: the query is built
  // over the union of such tables, and its row is the named table's.
  const from: RecordTable = table;
  const query = db.selectFrom(from).selectAll().where('id', '=', id);
  return query.executeTakeFirst() as Promise<RowOf<T> | undefined>;
}

/** One page of `table`, every column, oldest first; the id orders rows created together. */
export function pageOldestFirst<T extends RecordTable>(
  db: Db,
  table: T,
  page: { limit: number; offset: number },
): Promise<RowOf<T>[]> {
  const from: RecordTable = table;
  const query = db
    .selectFrom(from)
    .selectAll()
    .orderBy('created')
    .orderBy('id')
    .limit(page.limit)
    .offset(page.offset);
  return query.execute() as Promise<RowOf<T>[]>;
}

/** How many rows `table` holds. */
export async function countRows(db: Db, table: keyof Database): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Sets `last_used` of the row `id` of `table` to `now` unless it was set after `notAfter`: one
 * conditional UPDATE, so concurrent uses write it once. True when it wrote.
 */
export async function touchLastUsed(
  db: Db,
  table: 'personal_access_tokens' | 'trust_policies',
  touch: { id: string; now: string; notAfter: string },
): Promise<boolean> {
  const result = await db
    .updateTable(table)
    .set({ last_used: touch.now })
    .where('id', '=', touch.id)
    .where((eb) => eb.or([eb('last_used', 'is', null), eb('last_used', '<=', touch.notAfter)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
