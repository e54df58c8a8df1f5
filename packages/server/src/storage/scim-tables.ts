/** The tables of the SCIM service (migration 0017): the directory's groups and its requests. */
export interface ScimTables {
  scim_groups: ScimGroupsTable;
  scim_group_members: ScimGroupMembersTable;
  scim_events: ScimEventsTable;
}

export interface ScimGroupsTable {
  id: string;
  /** The provisioning client (identity id) whose group it is. */
  scim_client: string;
  display_name: string;
  external_id: string | null;
  created: string;
  modified: string;
}

export interface ScimGroupMembersTable {
  group_id: string;
  identity_id: string;
}

export interface ScimEventsTable {
  id: string;
  at: string;
  method: string;
  path: string;
  status: number;
  resource_type: string | null;
  resource_id: string | null;
  external_id: string | null;
  name: string | null;
  client_id: string | null;
  message: string | null;
}
