import type { Db } from './database.js';
import { selectPatSubjects, toPatSubject, type PatSubject } from './pats-with-owners.js';

/** Ids per IN list: far below SQLite's and PostgreSQL's bound-parameter limits. */
const IDS_PER_QUERY = 500;

export interface IdentitySubject {
  id: string;
  login: string;
  name: string;
  status: string;
  email: string | null;
}

/** The reads notifications need to describe what an event is about, and whom to tell. */
export class NotificationSubjectsRepository {
  constructor(private readonly db: Db) {}

  async pat(id: string): Promise<PatSubject | undefined> {
    const row = await selectPatSubjects(this.db).where('p.id', '=', id).executeTakeFirst();
    return row && toPatSubject(row);
  }

  async identity(id: string): Promise<IdentitySubject | undefined> {
    return this.db
      .selectFrom('identities')
      .select(['id', 'login', 'name', 'status', 'email'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The identities among `ids` that exist (the recipients of a governance mail), by id. */
  async identities(ids: readonly string[]): Promise<IdentitySubject[]> {
    const found: IdentitySubject[] = [];
    for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
      const rows = await this.db
        .selectFrom('identities')
        .select(['id', 'login', 'name', 'status', 'email'])
        .where('id', 'in', ids.slice(start, start + IDS_PER_QUERY))
        .orderBy('id')
        .execute();
      found.push(...rows);
    }
    return found;
  }

  /** An owner's live PATs that expire, soonest first (the expiry calendar). */
  async expiringPatsOf(
    ownerId: string,
    includeManaged: boolean,
  ): Promise<{ id: string; name: string; expirationDate: string }[]> {
    let query = this.db
      .selectFrom('personal_access_tokens')
      .select(['id', 'name', 'expiration_date'])
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null)
      .where('expiration_date', 'is not', null);
    if (!includeManaged) query = query.where('managed', '=', 0);
    const rows = await query.orderBy('expiration_date').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, expirationDate: r.expiration_date! }));
  }
}
