import { sql } from 'kysely';
import { type Identity, type IdentityStatus, type SsoLink } from '@patina/contract';
import type { Db } from './database.js';
import type { RecordChange } from './change-feed.js';
import { parseStringArray } from './json.js';
import { countRows, findRowById, pageOldestFirst } from './rows.js';
import type { IdentityRow } from './tables.js';

export interface IdentityChanges {
  /** Only the directory (SCIM userName) changes a login; unique whatever its case (0007). */
  login?: string;
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
  /** SCIM (migration 0017): the directory's fields; null clears one. */
  directory?: DirectoryFieldChanges;
  modified: string;
}

/**
 * What the directory (SCIM, RFC 7643) keeps on an identity. `scimClient` is the identity id of
 * the provisioning caller; `externalId` is unique per client (index identities_scim_external_id).
 */
export interface DirectoryFields {
  directoryManaged?: boolean;
  scimClient?: string | null;
  externalId?: string | null;
  employeeNumber?: string | null;
  department?: string | null;
  /** The manager's identity id (identities.manager_id, migration 0016). */
  managerId?: string | null;
}
export type DirectoryFieldChanges = DirectoryFields;

/** An identity with the directory's fields, as the SCIM service reads it. */
export interface DirectoryIdentity {
  identity: Identity;
  directoryManaged: boolean;
  scimClient: string | null;
  externalId: string | null;
  employeeNumber: string | null;
  department: string | null;
  managerId: string | null;
}

export class IdentitiesRepository {
  constructor(
    private readonly db: Db,
    private readonly record: RecordChange,
  ) {}

  /** `directory`: the SCIM fields (absent: a Patina-made identity, as before). */
  async insert(identity: Identity, directory?: DirectoryFields): Promise<void> {
    await this.db
      .insertInto('identities')
      .values({
        ...(directory && directoryColumns(directory)),
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

  /** The identity with its directory (SCIM) fields. */
  async findDirectoryIdentity(id: string): Promise<DirectoryIdentity | undefined> {
    const row = await findRowById(this.db, 'identities', id);
    return row && toDirectoryIdentity(row);
  }

  /** The identity a provisioning client knows by `externalId` (unique per client, 0017). */
  async findByExternalId(
    scimClient: string,
    externalId: string,
  ): Promise<DirectoryIdentity | undefined> {
    const row = await this.db
      .selectFrom('identities')
      .selectAll()
      .where('scim_client', '=', scimClient)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row && toDirectoryIdentity(row);
  }

  /** The identities a provisioning client manages, oldest first (SCIM lists filter these). */
  async listDirectoryManaged(scimClient: string): Promise<DirectoryIdentity[]> {
    const rows = await this.db
      .selectFrom('identities')
      .selectAll()
      .where('scim_client', '=', scimClient)
      .where('directory_managed', '=', 1)
      .orderBy('created')
      .orderBy('id')
      .execute();
    return rows.map(toDirectoryIdentity);
  }

  /** The names of these identities (those that exist), by id: one read for a group's members. */
  async namesOf(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('identities')
      .select(['id', 'name'])
      .where('id', 'in', [...ids])
      .execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  /** The identity whose login is `login` whatever its case (logins are ASCII, identity-service.ts). */
  async findByLoginIgnoringCase(login: string): Promise<Identity | undefined> {
    const row = await this.db
      .selectFrom('identities')
      .selectAll()
      .where(sql<string>`lower(login)`, '=', login.toLowerCase())
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
        ...(changes.login !== undefined && { login: changes.login }),
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
        ...(changes.directory && directoryColumns(changes.directory)),
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

function directoryColumns(fields: DirectoryFields) {
  return {
    ...(fields.directoryManaged !== undefined && {
      directory_managed: fields.directoryManaged ? 1 : 0,
    }),
    ...(fields.scimClient !== undefined && { scim_client: fields.scimClient }),
    ...(fields.externalId !== undefined && { external_id: fields.externalId }),
    ...(fields.employeeNumber !== undefined && { employee_number: fields.employeeNumber }),
    ...(fields.department !== undefined && { department: fields.department }),
    ...(fields.managerId !== undefined && { manager_id: fields.managerId }),
  };
}

function toDirectoryIdentity(row: IdentityRow): DirectoryIdentity {
  return {
    identity: toIdentity(row),
    directoryManaged: row.directory_managed === 1,
    scimClient: row.scim_client,
    externalId: row.external_id,
    employeeNumber: row.employee_number,
    department: row.department,
    managerId: row.manager_id,
  };
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
    // Absent unless set, so answers about Patina-made identities do not change.
    ...(row.directory_managed === 1 && { directoryManaged: true }),
    created: row.created,
    modified: row.modified,
  };
}
