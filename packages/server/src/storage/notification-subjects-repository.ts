import type { Db } from './database.js';
import { selectPatSubjects, toPatSubject, type PatSubject } from './pats-with-owners.js';

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
