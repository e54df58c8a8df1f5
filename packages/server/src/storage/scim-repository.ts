import { SCIM_EVENTS_KEPT } from '@patina/contract';
import type { Db } from './database.js';
import type { ScimEventsTable } from './scim-tables.js';
import type { Insertable } from 'kysely';

/** A group the directory pushed (RFC 7643 §4.2), with its members' identity ids. */
export interface ScimGroupRecord {
  id: string;
  scimClient: string;
  displayName: string;
  externalId: string | null;
  members: string[];
  created: string;
  modified: string;
}

/** A directory-managed identity as the SCIM service lists it, with its groups' ids. */
export interface ScimMemberOf {
  identityId: string;
  groupId: string;
  displayName: string;
}

export type ScimEventRow = Insertable<ScimEventsTable>;

/** The SCIM service's groups, memberships and provisioning events (migration 0017). */
/** Group memberships with the group's name: what a User's `groups` and its roles are made of. */
function membershipQuery(db: Db) {
  return db
    .selectFrom('scim_group_members')
    .innerJoin('scim_groups', 'scim_groups.id', 'scim_group_members.group_id')
    .select([
      'scim_group_members.identity_id',
      'scim_group_members.group_id',
      'scim_groups.display_name',
    ]);
}
type MembershipQuery = ReturnType<typeof membershipQuery>;

export class ScimRepository {
  constructor(private readonly db: Db) {}

  async insertGroup(group: ScimGroupRecord): Promise<void> {
    await this.db
      .insertInto('scim_groups')
      .values({
        id: group.id,
        scim_client: group.scimClient,
        display_name: group.displayName,
        external_id: group.externalId,
        created: group.created,
        modified: group.modified,
      })
      .execute();
    await this.setMembers(group.id, group.members);
  }

  /** Name, externalId and modified of a group; false when it does not exist. */
  async updateGroup(
    id: string,
    changes: { displayName: string; externalId: string | null; modified: string },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('scim_groups')
      .set({
        display_name: changes.displayName,
        external_id: changes.externalId,
        modified: changes.modified,
      })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Replaces the members of a group. */
  async setMembers(groupId: string, identityIds: readonly string[]): Promise<void> {
    await this.db.deleteFrom('scim_group_members').where('group_id', '=', groupId).execute();
    const unique = [...new Set(identityIds)];
    if (unique.length === 0) return;
    await this.db
      .insertInto('scim_group_members')
      .values(unique.map((identityId) => ({ group_id: groupId, identity_id: identityId })))
      .execute();
  }

  async deleteGroup(id: string): Promise<boolean> {
    await this.db.deleteFrom('scim_group_members').where('group_id', '=', id).execute();
    const result = await this.db.deleteFrom('scim_groups').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** An identity leaves every group (it is deleted by the directory). */
  async removeMemberEverywhere(identityId: string): Promise<void> {
    await this.db.deleteFrom('scim_group_members').where('identity_id', '=', identityId).execute();
  }

  async findGroup(scimClient: string, id: string): Promise<ScimGroupRecord | undefined> {
    const row = await this.db
      .selectFrom('scim_groups')
      .selectAll()
      .where('id', '=', id)
      .where('scim_client', '=', scimClient)
      .executeTakeFirst();
    if (!row) return undefined;
    const members = await this.db
      .selectFrom('scim_group_members')
      .select('identity_id')
      .where('group_id', '=', id)
      .orderBy('identity_id')
      .execute();
    return toGroup(
      row,
      members.map((m) => m.identity_id),
    );
  }

  async findGroupByName(scimClient: string, displayName: string) {
    return this.db
      .selectFrom('scim_groups')
      .select(['id'])
      .where('scim_client', '=', scimClient)
      .where('display_name', '=', displayName)
      .executeTakeFirst();
  }

  async findGroupByExternalId(scimClient: string, externalId: string) {
    return this.db
      .selectFrom('scim_groups')
      .select(['id'])
      .where('scim_client', '=', scimClient)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
  }

  /** Every group of a client with its members, oldest first (filters run over these). */
  async groupsOf(scimClient: string): Promise<ScimGroupRecord[]> {
    const rows = await this.db
      .selectFrom('scim_groups')
      .selectAll()
      .where('scim_client', '=', scimClient)
      .orderBy('created')
      .orderBy('id')
      .execute();
    const members = await this.db
      .selectFrom('scim_group_members')
      .innerJoin('scim_groups', 'scim_groups.id', 'scim_group_members.group_id')
      .select(['scim_group_members.group_id', 'scim_group_members.identity_id'])
      .where('scim_groups.scim_client', '=', scimClient)
      .orderBy('scim_group_members.identity_id')
      .execute();
    const byGroup = new Map<string, string[]>();
    for (const m of members) {
      const list = byGroup.get(m.group_id) ?? [];
      list.push(m.identity_id);
      byGroup.set(m.group_id, list);
    }
    return rows.map((row) => toGroup(row, byGroup.get(row.id) ?? []));
  }

  /** The groups each of `identityIds` is in (any client's), for roles and the User's `groups`. */
  async groupsOfMembers(identityIds: readonly string[]): Promise<ScimMemberOf[]> {
    if (identityIds.length === 0) return [];
    return this.#memberships((query) =>
      query.where('scim_group_members.identity_id', 'in', [...identityIds]),
    );
  }

  /** Every membership in a client's groups: one read for a whole list of its Users. */
  async membershipsOfClient(scimClient: string): Promise<ScimMemberOf[]> {
    return this.#memberships((query) => query.where('scim_groups.scim_client', '=', scimClient));
  }

  /** Memberships with their group's name, those `narrow` keeps, by the group's name. */
  async #memberships(narrow: (query: MembershipQuery) => MembershipQuery): Promise<ScimMemberOf[]> {
    const rows = await narrow(membershipQuery(this.db))
      .orderBy('scim_groups.display_name')
      .execute();
    return rows.map((row) => ({
      identityId: row.identity_id,
      groupId: row.group_id,
      displayName: row.display_name,
    }));
  }

  /** Identity ids of the directory-managed identities of a client, oldest first. */
  async identityIdsOf(scimClient: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('identities')
      .select('id')
      .where('scim_client', '=', scimClient)
      .where('directory_managed', '=', 1)
      .orderBy('created')
      .orderBy('id')
      .execute();
    return rows.map((row) => row.id);
  }

  /** Records one provisioning event and keeps only the newest SCIM_EVENTS_KEPT. */
  async recordEvent(event: ScimEventRow): Promise<void> {
    await this.db.insertInto('scim_events').values(event).execute();
    const cutoff = await this.db
      .selectFrom('scim_events')
      .select(['at', 'id'])
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .offset(SCIM_EVENTS_KEPT)
      .limit(1)
      .executeTakeFirst();
    if (cutoff) await this.db.deleteFrom('scim_events').where('at', '<=', cutoff.at).execute();
  }

  /** The newest `limit` events, newest first. */
  async events(limit: number) {
    return this.db
      .selectFrom('scim_events')
      .selectAll()
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }
}

function toGroup(
  row: {
    id: string;
    scim_client: string;
    display_name: string;
    external_id: string | null;
    created: string;
    modified: string;
  },
  members: string[],
): ScimGroupRecord {
  return {
    id: row.id,
    scimClient: row.scim_client,
    displayName: row.display_name,
    externalId: row.external_id,
    members,
    created: row.created,
    modified: row.modified,
  };
}
