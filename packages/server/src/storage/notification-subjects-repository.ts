import type { Db } from './database.js';
import { parseStringArray } from './json.js';

/** A PAT as notifications describe it: deleted ones too (a deletion is notified). */
export interface PatSubject {
  id: string;
  name: string;
  scope: string[];
  managed: boolean;
  created: string;
  lastUsed: string | null;
  expirationDate: string | null;
  ownerId: string;
  ownerName: string;
  ownerEmail: string | null;
}

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
    const row = await this.db
      .selectFrom('personal_access_tokens as p')
      .innerJoin('identities as o', 'o.id', 'p.owner_id')
      .select([
        'p.id',
        'p.name',
        'p.scope',
        'p.managed',
        'p.created',
        'p.last_used',
        'p.expiration_date',
        'p.owner_id',
        'o.name as owner_name',
        'o.email as owner_email',
      ])
      .where('p.id', '=', id)
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        name: row.name,
        scope: parseStringArray(row.scope),
        managed: row.managed === 1,
        created: row.created,
        lastUsed: row.last_used,
        expirationDate: row.expiration_date,
        ownerId: row.owner_id,
        ownerName: row.owner_name,
        ownerEmail: row.owner_email,
      }
    );
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
