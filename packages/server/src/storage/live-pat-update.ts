import type { UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { RecordChange } from './change-feed.js';
import type { Db } from './database.js';
import type { Database } from './tables.js';

/** The UPDATE of one live PAT, for its caller to complete with a SET (and any further condition). */
export type LivePatUpdate = UpdateQueryBuilder<
  Database,
  'personal_access_tokens',
  'personal_access_tokens',
  UpdateResult
>;

/**
 * The one way a repository changes a live PAT in what the bearer check reads of it (its secret,
 * scope, expiry, cidrs, whether it is deleted or revoked): the conditional UPDATE and, when it
 * changed the row, the change recorded for every node's caches (after the commit, through the
 * change feed). Deleting, revoking for any reason, rotating and editing all go through here, so
 * no path can end a PAT and forget to say so (GUIDE.md: one mechanism, never a call each path
 * must remember). False when the PAT was already gone or a further condition did not hold.
 */
export async function updateLivePat(
  db: Db,
  record: RecordChange,
  id: string,
  complete: (update: LivePatUpdate) => LivePatUpdate,
): Promise<boolean> {
  const update = db
    .updateTable('personal_access_tokens')
    .where('id', '=', id)
    .where('deleted_at', 'is', null);
  const result = await complete(update).executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await record({ kind: 'pat', id });
  return true;
}
