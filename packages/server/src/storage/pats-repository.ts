import type { PersonalAccessToken } from '../pats/model.js';
import type { Db } from './database.js';
import type { RecordChange } from './change-feed.js';
import { updateLivePat } from './live-pat-update.js';
import { listStatements } from './pat-list-statements.js';
import { countList, selectList, type PatListQuery } from './pat-list-query.js';
import { selectPats, toPat } from './pats-with-owners.js';

export interface NewPat {
  id: string;
  ownerId: string;
  name: string;
  scope: string[];
  secretDigest: string;
  digestVersion: number;
  created: string;
  managed: boolean;
  accessTokenValiditySeconds: number;
  expirationDate: string | null;
  userAwareTokenNeverExpires: boolean;
  description?: string;
  allowedCidrs?: string[] | null;
  requireDpop?: boolean;
}

export interface PatChanges {
  name?: string;
  scope?: string[];
  expirationDate?: string | null;
  userAwareTokenNeverExpires?: boolean;
  description?: string;
  allowedCidrs?: string[] | null;
  requireDpop?: boolean;
}

/** Creating, reading, listing, changing and deleting PATs. */
export class PatsRepository {
  constructor(
    private readonly db: Db,
    private readonly record: RecordChange,
  ) {}

  async insert(pat: NewPat): Promise<void> {
    await this.db
      .insertInto('personal_access_tokens')
      .values({
        id: pat.id,
        owner_id: pat.ownerId,
        name: pat.name,
        scope: JSON.stringify(pat.scope),
        secret_digest: pat.secretDigest,
        digest_version: pat.digestVersion,
        created: pat.created,
        last_used: null,
        managed: pat.managed ? 1 : 0,
        access_token_validity_seconds: pat.accessTokenValiditySeconds,
        expiration_date: pat.expirationDate,
        user_aware_token_never_expires: pat.userAwareTokenNeverExpires ? 1 : 0,
        deleted_at: null,
        expiry_recorded_at: null,
        description: pat.description ?? '',
        allowed_cidrs: pat.allowedCidrs ? JSON.stringify(pat.allowedCidrs) : null,
        require_dpop: pat.requireDpop ? 1 : 0,
      })
      .execute();
  }

  async countLive(ownerId: string): Promise<number> {
    const row = await this.db
      .selectFrom('personal_access_tokens')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Whether the owner has a live PAT of this name, other than `exceptId` (the one renamed). */
  async nameTaken({
    ownerId,
    name,
    exceptId,
  }: {
    ownerId: string;
    name: string;
    exceptId?: string;
  }): Promise<boolean> {
    let query = this.db
      .selectFrom('personal_access_tokens')
      .select('id')
      .where('owner_id', '=', ownerId)
      .where('name', '=', name)
      .where('deleted_at', 'is', null);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  /** A live (not deleted) PAT with its owner's name. */
  async findLive(id: string): Promise<PersonalAccessToken | undefined> {
    const row = await selectPats(this.db)
      .where('p.id', '=', id)
      .where('p.deleted_at', 'is', null)
      .executeTakeFirst();
    return row && toPat(row);
  }

  async list(
    query: PatListQuery,
  ): Promise<{ items: PersonalAccessToken[]; total: number | undefined }> {
    const values = { ownerId: query.ownerId ?? '' };
    // A filter changes the query's shape with every request; the plain lists (an owner's PATs,
    // all PATs, sorted) are a handful of shapes, each compiled once.
    const statements = query.filter ? undefined : listStatements(query);
    const rows = statements
      ? await statements.rows.execute(this.db, values)
      : await selectList(this.db, query, values).execute();
    if (!query.withTotal) return { items: rows.map(toPat), total: undefined };
    const [total] = statements
      ? await statements.count.execute(this.db, values)
      : [await countList(this.db, query, values).executeTakeFirstOrThrow()];
    return { items: rows.map(toPat), total: Number(total!.n) };
  }

  async update(id: string, changes: PatChanges): Promise<void> {
    await updateLivePat(this.db, this.record, id, (update) =>
      update.set({
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.scope !== undefined && { scope: JSON.stringify(changes.scope) }),
        ...(changes.expirationDate !== undefined && {
          expiration_date: changes.expirationDate,
          // A new expiry is a new chance to expire: the _EXPIRED event may be recorded again.
          expiry_recorded_at: null,
        }),
        ...(changes.userAwareTokenNeverExpires !== undefined && {
          user_aware_token_never_expires: changes.userAwareTokenNeverExpires ? 1 : 0,
        }),
        ...(changes.description !== undefined && { description: changes.description }),
        ...(changes.allowedCidrs !== undefined && {
          allowed_cidrs: changes.allowedCidrs ? JSON.stringify(changes.allowedCidrs) : null,
        }),
        ...(changes.requireDpop !== undefined && { require_dpop: changes.requireDpop ? 1 : 0 }),
      }),
    );
  }

  markDeleted(id: string, now: string): Promise<boolean> {
    return updateLivePat(this.db, this.record, id, (update) => update.set({ deleted_at: now }));
  }
}
