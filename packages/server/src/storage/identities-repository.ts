import { sql } from 'kysely';
import { type Identity, type IdentityStatus, type SsoLink } from '@patina/contract';
import type { Db } from './database.js';
import type { RecordChange } from './change-feed.js';
import { parseStringArray } from './json.js';
import { countRows, findRowById, pageOldestFirst } from './rows.js';
import type { IdentityRow } from './tables.js';

export interface IdentityChanges {
  name?: string;
  status?: IdentityStatus;
  roles?: string[];
  rights?: string[];
  /** null removes the address. */
  email?: string | null;
  /** Set when the identity is disabled. */
  disabledAt?: string;
  /** null removes the link. */
  ssoLink?: SsoLink | null;
  modified: string;
}

export class IdentitiesRepository {
  constructor(
    private readonly db: Db,
    private readonly record: RecordChange,
  ) {}

  async insert(identity: Identity): Promise<void> {
    await this.db
      .insertInto('identities')
      .values({
        id: identity.id,
        login: identity.login,
        name: identity.name,
        status: identity.status,
        roles: JSON.stringify(identity.roles),
        rights: JSON.stringify(identity.rights),
        email: identity.email ?? null,
        disabled_at: identity.status === 'DISABLED' ? identity.created : null,
        sso_issuer: identity.ssoLink?.issuer ?? null,
        sso_subject: identity.ssoLink?.subject ?? null,
        created: identity.created,
        modified: identity.modified,
      })
      .execute();
  }

  async findById(id: string): Promise<Identity | undefined> {
    const row = await findRowById(this.db, 'identities', id);
    return row && toIdentity(row);
  }

  /** Logins are unique (migration 0001); the web console's SSO finds people by theirs. */
  async findByLogin(login: string): Promise<Identity | undefined> {
    const row = await this.db
      .selectFrom('identities')
      .selectAll()
      .where('login', '=', login)
      .executeTakeFirst();
    return row && toIdentity(row);
  }

  /** The identity an OpenID provider account is linked to (unique, migration 0009). */
  async findBySsoLink(link: SsoLink): Promise<Identity | undefined> {
    const row = await this.db
      .selectFrom('identities')
      .selectAll()
      .where('sso_issuer', '=', link.issuer)
      .where('sso_subject', '=', link.subject)
      .executeTakeFirst();
    return row && toIdentity(row);
  }

  /**
   * Identities with no SSO link whose address is `email`, whatever its case (addresses are
   * ASCII, identity-service.ts, so lower() is the same on both databases); at most `limit`.
   */
  async findUnlinkedByEmail(email: string, limit: number): Promise<Identity[]> {
    const rows = await this.db
      .selectFrom('identities')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .where('sso_issuer', 'is', null)
      .orderBy('created')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toIdentity);
  }

  /**
   * Links an identity that has no SSO link yet; false when it has one (a concurrent sign-in
   * linked it first) or does not exist. A link another identity holds fails the unique index.
   */
  async linkIfUnlinked(id: string, link: SsoLink, modified: string): Promise<boolean> {
    const result = await this.db
      .updateTable('identities')
      .set({ sso_issuer: link.issuer, sso_subject: link.subject, modified })
      .where('id', '=', id)
      .where('sso_issuer', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await this.record({ kind: 'identity', id });
    return true;
  }

  async list(page: { limit: number; offset: number }): Promise<Identity[]> {
    return (await pageOldestFirst(this.db, 'identities', page)).map(toIdentity);
  }

  count(): Promise<number> {
    return countRows(this.db, 'identities');
  }

  async update(id: string, changes: IdentityChanges): Promise<boolean> {
    const result = await this.db
      .updateTable('identities')
      .set({
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.status !== undefined && { status: changes.status }),
        ...(changes.roles !== undefined && { roles: JSON.stringify(changes.roles) }),
        ...(changes.rights !== undefined && { rights: JSON.stringify(changes.rights) }),
        ...(changes.email !== undefined && { email: changes.email }),
        ...(changes.disabledAt !== undefined && { disabled_at: changes.disabledAt }),
        ...(changes.ssoLink !== undefined && {
          sso_issuer: changes.ssoLink?.issuer ?? null,
          sso_subject: changes.ssoLink?.subject ?? null,
        }),
        modified: changes.modified,
      })
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await this.record({ kind: 'identity', id });
    return true;
  }

  /**
   * Takes the write lock on one identity's row for the rest of the transaction (a row lock on
   * PostgreSQL, the database write lock on SQLite), so per-owner rules such as the PAT limit
   * cannot race. Returns false when the identity does not exist.
   */
  async lockForUpdate(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('identities')
      .set((eb) => ({ modified: eb.ref('modified') }))
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

function toIdentity(row: IdentityRow): Identity {
  return {
    id: row.id,
    login: row.login,
    name: row.name,
    status: row.status,
    roles: parseStringArray(row.roles),
    rights: parseStringArray(row.rights),
    ...(row.email !== null && { email: row.email }),
    ...(row.sso_issuer !== null &&
      row.sso_subject !== null && {
        ssoLink: { issuer: row.sso_issuer, subject: row.sso_subject },
      }),
    created: row.created,
    modified: row.modified,
  };
}
