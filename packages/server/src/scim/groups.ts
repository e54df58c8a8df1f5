import { SCIM_BASE, SCIM_SCHEMAS } from '@patina/contract';
import { randomHexId } from '../core/ids.js';
import type { ScimGroupRecord } from '../storage/scim-repository.js';
import type { ScimClient } from './client.js';
import { invalidSyntax, invalidValue, notFound, ScimError, uniqueness } from './errors.js';
import { compileFilter, type ScimJson } from './filter.js';
import { listResponse, matchesIfMatch, project, versionOf, type ScimQuery } from './resources.js';
import { rolesForGroups } from './roles.js';
import { applyPatch, checkPatchBody, type ScimDeps, type ScimWriteResult } from './users.js';
import { toScimError } from './patina-errors.js';

interface GroupInput {
  displayName: string;
  externalId: string | null;
  members: string[];
}

const GROUP_KEYS = new Set(['schemas', 'id', 'meta', 'externalid', 'displayname', 'members']);
/** The most members one group may have: what one directory can make Patina store per group. */
const MAX_MEMBERS = 10_000;

function member(object: ScimJson, name: string): unknown {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}

function parseGroup(body: unknown): GroupInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidSyntax('The body must be a JSON object (a SCIM Group)');
  }
  const object = body as ScimJson;
  const schemas = member(object, 'schemas');
  if (
    !Array.isArray(schemas) ||
    !schemas.some(
      (s) => typeof s === 'string' && s.toLowerCase() === SCIM_SCHEMAS.group.toLowerCase(),
    )
  ) {
    throw invalidSyntax(`'schemas' must list ${SCIM_SCHEMAS.group}`);
  }
  for (const key of Object.keys(object)) {
    if (!GROUP_KEYS.has(key.toLowerCase())) {
      throw invalidValue(`Unknown attribute '${key.slice(0, 64)}' for a Group`);
    }
  }
  const displayName = member(object, 'displayName');
  if (typeof displayName !== 'string' || displayName.trim() === '' || displayName.length > 256) {
    throw invalidValue("'displayName' is required: a string of at most 256 characters");
  }
  const externalId = member(object, 'externalId');
  if (
    externalId !== undefined &&
    externalId !== null &&
    (typeof externalId !== 'string' || externalId.length > 256)
  ) {
    throw invalidValue("'externalId' must be a string of at most 256 characters");
  }
  const members = member(object, 'members') ?? [];
  if (!Array.isArray(members)) throw invalidValue("'members' must be an array");
  if (members.length > MAX_MEMBERS)
    throw invalidValue(`A Group has at most ${MAX_MEMBERS} members`);
  const ids = members.map((m) => {
    const value = typeof m === 'object' && m !== null ? member(m as ScimJson, 'value') : undefined;
    if (typeof value !== 'string') throw invalidValue("Each of 'members' needs a string 'value'");
    return value;
  });
  return {
    displayName: displayName.trim(),
    externalId: typeof externalId === 'string' && externalId !== '' ? externalId : null,
    members: [...new Set(ids)],
  };
}

/**
 * SCIM Groups (RFC 7643 §4.2). A group is the directory's; its members' roles follow
 * scim.groupRoles, set again for every identity whose membership changed (roles.ts).
 */
export class ScimGroups {
  constructor(private readonly deps: ScimDeps) {}

  async create(client: ScimClient, body: unknown): Promise<ScimWriteResult> {
    const input = parseGroup(body);
    await this.#checkUnique(client, input, undefined);
    await this.#checkMembers(client, input.members);
    const now = this.deps.clock.now().toISOString();
    const id = randomHexId();
    await this.deps.storage.transaction((repos) =>
      repos.scim.insertGroup({ id, scimClient: client.id, ...input, created: now, modified: now }),
    );
    await this.#applyRoles(client, input.members);
    return this.#result(client, id);
  }

  async get(client: ScimClient, id: string, query: ScimQuery = {}) {
    const group = await this.#find(client, id);
    const resource = await this.#represent(group);
    return { resource: project(resource, query), version: versionOf(group.modified) };
  }

  async list(client: ScimClient, query: ScimQuery) {
    const matches = query.filter ? compileFilter(query.filter, 'Group') : () => true;
    const groups = await this.deps.storage.repos.scim.groupsOf(client.id);
    const resources = await Promise.all(groups.map((g) => this.#represent(g)));
    return listResponse(resources.filter(matches), query);
  }

  async replace(client: ScimClient, id: string, body: unknown, ifMatch: string | undefined) {
    const current = await this.#find(client, id);
    this.#checkVersion(current, ifMatch);
    return this.#apply(client, current, parseGroup(body));
  }

  async patch(client: ScimClient, id: string, body: unknown, ifMatch: string | undefined) {
    const current = await this.#find(client, id);
    this.#checkVersion(current, ifMatch);
    const operations = checkPatchBody(body);
    const resource = {
      schemas: [SCIM_SCHEMAS.group],
      id: current.id,
      displayName: current.displayName,
      ...(current.externalId !== null && { externalId: current.externalId }),
      members: current.members.map((value) => ({ value })),
    };
    return this.#apply(client, current, parseGroup(applyPatch(resource, operations)));
  }

  async delete(client: ScimClient, id: string, ifMatch?: string) {
    const current = await this.#find(client, id);
    this.#checkVersion(current, ifMatch);
    await this.deps.storage.transaction((repos) => repos.scim.deleteGroup(id));
    await this.#applyRoles(client, current.members);
    return { externalId: current.externalId, name: current.displayName };
  }

  async #apply(client: ScimClient, current: ScimGroupRecord, input: GroupInput) {
    await this.#checkUnique(client, input, current.id);
    await this.#checkMembers(client, input.members);
    const now = this.deps.clock.now().toISOString();
    await this.deps.storage.transaction(async (repos) => {
      await repos.scim.updateGroup(current.id, { ...input, modified: now });
      await repos.scim.setMembers(current.id, input.members);
    });
    const renamed = input.displayName !== current.displayName;
    const changed = renamed
      ? [...new Set([...current.members, ...input.members])]
      : symmetricDifference(current.members, input.members);
    await this.#applyRoles(client, changed);
    return this.#result(client, current.id);
  }

  /** Sets the roles of each identity from its groups now (identity-service.ts audits each). */
  async #applyRoles(client: ScimClient, identityIds: readonly string[]) {
    if (identityIds.length === 0) return;
    const repos = this.deps.storage.repos;
    const memberships = await repos.scim.groupsOfMembers(identityIds);
    for (const identityId of identityIds) {
      const found = await repos.identities.findDirectoryIdentity(identityId);
      if (!found?.directoryManaged) continue;
      const names = memberships
        .filter((m) => m.identityId === identityId)
        .map((m) => m.displayName);
      const roles = rolesForGroups(names, this.deps.config, this.deps.rights);
      const same =
        roles.length === found.identity.roles.length &&
        roles.every((role) => found.identity.roles.includes(role));
      if (same) continue;
      try {
        await this.deps.identities.updateFromDirectory(client.ctx, identityId, { roles });
      } catch (error) {
        throw toScimError(error);
      }
    }
  }

  async #checkUnique(client: ScimClient, input: GroupInput, id: string | undefined) {
    const repos = this.deps.storage.repos;
    const byName = await repos.scim.findGroupByName(client.id, input.displayName);
    if (byName && byName.id !== id) {
      throw uniqueness(`A Group named ${JSON.stringify(input.displayName)} already exists`);
    }
    if (input.externalId !== null) {
      const byExternal = await repos.scim.findGroupByExternalId(client.id, input.externalId);
      if (byExternal && byExternal.id !== id) {
        throw uniqueness(
          `A Group with externalId ${JSON.stringify(input.externalId)} already exists`,
        );
      }
    }
  }

  /** Members are Users this client provisioned. */
  async #checkMembers(client: ScimClient, members: readonly string[]) {
    if (members.length === 0) return;
    const mine = new Set(await this.deps.storage.repos.scim.identityIdsOf(client.id));
    const unknown = members.find((m) => !mine.has(m));
    if (unknown !== undefined) {
      throw invalidValue(
        `The member ${JSON.stringify(unknown.slice(0, 64))} is not a User of this directory`,
      );
    }
  }

  #checkVersion(current: ScimGroupRecord, ifMatch: string | undefined) {
    if (!matchesIfMatch(ifMatch, versionOf(current.modified))) {
      throw new ScimError(412, 'The Group changed since that version (If-Match)');
    }
  }

  async #find(client: ScimClient, id: string): Promise<ScimGroupRecord> {
    const group = await this.deps.storage.repos.scim.findGroup(client.id, id);
    if (!group) throw notFound('Group', id);
    return group;
  }

  async #result(client: ScimClient, id: string): Promise<ScimWriteResult> {
    const group = await this.#find(client, id);
    return {
      resource: await this.#represent(group),
      id,
      externalId: group.externalId,
      name: group.displayName,
      version: versionOf(group.modified),
    };
  }

  async #represent(group: ScimGroupRecord): Promise<ScimJson> {
    const base = `${this.deps.baseUrl}${SCIM_BASE}`;
    const repos = this.deps.storage.repos;
    const names = await repos.identities.namesOf(group.members);
    const members = group.members.map((value) => ({
      value,
      $ref: `${base}/Users/${value}`,
      display: names.get(value) ?? value,
    }));
    return {
      schemas: [SCIM_SCHEMAS.group],
      id: group.id,
      ...(group.externalId !== null && { externalId: group.externalId }),
      displayName: group.displayName,
      members,
      meta: {
        resourceType: 'Group',
        created: group.created,
        lastModified: group.modified,
        location: `${base}/Groups/${group.id}`,
        version: versionOf(group.modified),
      },
    };
  }
}

function symmetricDifference(a: readonly string[], b: readonly string[]): string[] {
  const left = new Set(a);
  const right = new Set(b);
  return [...a.filter((x) => !right.has(x)), ...b.filter((x) => !left.has(x))];
}
