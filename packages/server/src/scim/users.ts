import { SCIM_BASE, SCIM_SCHEMAS } from '@patina/contract';
import { scimPatch, patchBodyValidation, type ScimPatch, type ScimResource } from 'scim-patch';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { PatinaError } from '../core/errors.js';
import type { IdentityService } from '../identities/identity-service.js';
import type { RightsModel } from '../identities/rights.js';
import type { Offboarding } from '../pats/offboarding.js';
import type { DirectoryIdentity } from '../storage/identities-repository.js';
import type { Storage } from '../storage/repositories.js';
import type { ScimClient } from './client.js';
import { invalidSyntax, invalidValue, notFound, ScimError, uniqueness } from './errors.js';
import { compileFilter, type ScimJson } from './filter.js';
import { listResponse, matchesIfMatch, project, versionOf, type ScimQuery } from './resources.js';
import { parseUser, type UserInput } from './user-input.js';
import { toScimError } from './patina-errors.js';
import { rolesForGroups } from './roles.js';

export interface ScimDeps {
  storage: Storage;
  identities: IdentityService;
  offboarding: Offboarding;
  rights: RightsModel;
  clock: Clock;
  config: Config['scim'];
  baseUrl: string;
}

/** What a write answers: the resource, and what the provisioning event records of it. */
export interface ScimWriteResult {
  resource: ScimJson;
  id: string;
  externalId: string | null;
  name: string;
  version: string;
}

/** SCIM Users (RFC 7644 §3.3–§3.6) over Patina's identities (docs/scim.md, "What the service supports"). */
export class ScimUsers {
  constructor(private readonly deps: ScimDeps) {}

  async create(client: ScimClient, body: unknown): Promise<ScimWriteResult> {
    const input = parseUser(body);
    const repos = this.deps.storage.repos;
    await this.#refuseTakenExternalId(client, input.externalId, undefined);
    if (await repos.identities.findByLoginIgnoringCase(input.userName)) {
      throw uniqueness(`A User with userName ${JSON.stringify(input.userName)} already exists`);
    }
    const managerId = await this.#managerId(client, input.manager, undefined);
    try {
      const identity = await this.deps.identities.create(client.ctx, {
        name: input.name,
        login: input.userName,
        roles: rolesForGroups([], this.deps.config, this.deps.rights),
        status: input.active ? 'ACTIVE' : 'DISABLED',
        email: input.email,
        directory: {
          directoryManaged: true,
          scimClient: client.id,
          externalId: input.externalId,
          employeeNumber: input.employeeNumber,
          department: input.department,
          managerId,
        },
      });
      return this.#result(client, identity.id);
    } catch (error) {
      throw toScimError(error);
    }
  }

  async get(client: ScimClient, id: string, query: ScimQuery = {}) {
    const found = await this.#find(client, id);
    const resource = await this.#represent(found);
    return { resource: project(resource, query), version: versionOf(found.identity.modified) };
  }

  async list(client: ScimClient, query: ScimQuery) {
    const matches = query.filter ? compileFilter(query.filter, 'User') : () => true;
    const identities = await this.deps.storage.repos.identities.listDirectoryManaged(client.id);
    const resources = await this.#representMany(identities);
    return listResponse(resources.filter(matches), query);
  }

  async replace(client: ScimClient, id: string, body: unknown, ifMatch: string | undefined) {
    const current = await this.#find(client, id);
    this.#checkVersion(current, ifMatch);
    return this.#apply(client, current, parseUser(body));
  }

  /** RFC 7644 §3.5.2, with the forms Okta and Entra ID send (scim-patch applies the ops). */
  async patch(client: ScimClient, id: string, body: unknown, ifMatch: string | undefined) {
    const current = await this.#find(client, id);
    this.#checkVersion(current, ifMatch);
    const operations = checkPatchBody(body);
    const resource = await this.#represent(current);
    delete resource.groups;
    const patched = preferChangedName(applyPatch(resource, operations), current.identity.name);
    return this.#apply(client, current, parseUser(patched));
  }

  /** RFC 7644 §3.6: offboarding (PATs revoked, identity disabled), then no longer a SCIM User. */
  async delete(
    client: ScimClient,
    id: string,
    ifMatch?: string,
  ): Promise<{ externalId: string | null; name: string }> {
    const current = await this.#find(client, id);
    this.#checkVersion(current, ifMatch);
    await this.deps.offboarding.offboard(client.ctx, id, { dryRun: false, disable: true });
    await this.deps.storage.repos.scim.removeMemberEverywhere(id);
    // The directory gave it up: Patina's administrators manage what is left of it.
    await this.deps.identities.updateFromDirectory(client.ctx, id, {
      roles: ['USER'],
      directory: { directoryManaged: false, scimClient: null, externalId: null },
    });
    return { externalId: current.externalId, name: current.identity.login };
  }

  async #apply(client: ScimClient, current: DirectoryIdentity, input: UserInput) {
    const id = current.identity.id;
    await this.#refuseTakenExternalId(client, input.externalId, id);
    if (input.userName.toLowerCase() !== current.identity.login.toLowerCase()) {
      const holder = await this.deps.storage.repos.identities.findByLoginIgnoringCase(
        input.userName,
      );
      if (holder && holder.id !== id) {
        throw uniqueness(`A User with userName ${JSON.stringify(input.userName)} already exists`);
      }
    }
    const managerId = await this.#managerId(client, input.manager, id);
    const status = input.active ? 'ACTIVE' : 'DISABLED';
    try {
      await this.deps.identities.updateFromDirectory(client.ctx, id, {
        ...(input.userName !== current.identity.login && { login: input.userName }),
        ...(input.name !== current.identity.name && { name: input.name }),
        ...(input.email !== (current.identity.email ?? null) && { email: input.email }),
        // A disable goes through the one path that ends every credential (identity-service.ts).
        ...(status !== current.identity.status && { status }),
        directory: {
          externalId: input.externalId,
          employeeNumber: input.employeeNumber,
          department: input.department,
          managerId,
        },
      });
    } catch (error) {
      throw toScimError(error);
    }
    return this.#result(client, id);
  }

  async #result(client: ScimClient, id: string): Promise<ScimWriteResult> {
    const found = await this.#find(client, id);
    return {
      resource: await this.#represent(found),
      id,
      externalId: found.externalId,
      name: found.identity.login,
      version: versionOf(found.identity.modified),
    };
  }

  #checkVersion(current: DirectoryIdentity, ifMatch: string | undefined) {
    if (!matchesIfMatch(ifMatch, versionOf(current.identity.modified))) {
      throw new ScimError(412, 'The User changed since that version (If-Match)');
    }
  }

  async #refuseTakenExternalId(
    client: ScimClient,
    externalId: string | null,
    id: string | undefined,
  ) {
    if (externalId === null) return;
    const holder = await this.deps.storage.repos.identities.findByExternalId(client.id, externalId);
    if (holder && holder.identity.id !== id) {
      throw uniqueness(`A User with externalId ${JSON.stringify(externalId)} already exists`);
    }
  }

  /** manager.value: a User id of this client, or an externalId of this client; null: none. */
  async #managerId(client: ScimClient, value: string | null, self: string | undefined) {
    if (value === null) return null;
    const repos = this.deps.storage.repos;
    const byId = await repos.identities.findDirectoryIdentity(value);
    const manager =
      byId && byId.scimClient === client.id
        ? byId
        : await repos.identities.findByExternalId(client.id, value);
    if (!manager)
      throw invalidValue(`The manager ${JSON.stringify(value)} is not a User of this directory`);
    if (manager.identity.id === self) throw invalidValue('A User cannot be their own manager');
    return manager.identity.id;
  }

  async #find(client: ScimClient, id: string): Promise<DirectoryIdentity> {
    const found = await this.deps.storage.repos.identities.findDirectoryIdentity(id);
    if (!found || !found.directoryManaged || found.scimClient !== client.id) {
      throw notFound('User', id);
    }
    return found;
  }

  async #represent(found: DirectoryIdentity): Promise<ScimJson> {
    const [resource] = await this.#representMany([found]);
    return resource!;
  }

  async #representMany(found: DirectoryIdentity[]): Promise<ScimJson[]> {
    const repos = this.deps.storage.repos;
    // One User: its own memberships; a list (all of one client's): the client's, in one read
    // whatever its size (an IN list of every id would meet the databases' parameter limits).
    const client = found[0]?.scimClient;
    const groups =
      found.length === 1 || !client
        ? await repos.scim.groupsOfMembers(found.map((f) => f.identity.id))
        : await repos.scim.membershipsOfClient(client);
    const base = `${this.deps.baseUrl}${SCIM_BASE}`;
    return found.map((f) => {
      const { identity } = f;
      const enterprise = {
        ...(f.employeeNumber !== null && { employeeNumber: f.employeeNumber }),
        ...(f.department !== null && { department: f.department }),
        ...(f.managerId !== null && {
          manager: { value: f.managerId, $ref: `${base}/Users/${f.managerId}` },
        }),
      };
      const hasEnterprise = Object.keys(enterprise).length > 0;
      return {
        schemas: [SCIM_SCHEMAS.user, ...(hasEnterprise ? [SCIM_SCHEMAS.enterpriseUser] : [])],
        id: identity.id,
        ...(f.externalId !== null && { externalId: f.externalId }),
        userName: identity.login,
        name: { formatted: identity.name },
        displayName: identity.name,
        active: identity.status === 'ACTIVE',
        ...(identity.email !== undefined && {
          emails: [{ value: identity.email, type: 'work', primary: true }],
        }),
        groups: groups
          .filter((g) => g.identityId === identity.id)
          .map((g) => ({
            value: g.groupId,
            $ref: `${base}/Groups/${g.groupId}`,
            display: g.displayName,
          })),
        ...(hasEnterprise && { [SCIM_SCHEMAS.enterpriseUser]: enterprise }),
        meta: {
          resourceType: 'User',
          created: identity.created,
          lastModified: identity.modified,
          location: `${base}/Users/${identity.id}`,
          version: versionOf(identity.modified),
        },
      };
    });
  }
}

/**
 * Patina keeps one name, shown as both name.formatted and displayName: after a PATCH, the one
 * the directory changed wins (a new displayName, or given and family names, with the formatted
 * name left as it was).
 */
function preferChangedName(patched: ScimJson, currentName: string): ScimJson {
  const name =
    typeof patched.name === 'object' && patched.name !== null ? (patched.name as ScimJson) : {};
  if (name.formatted !== undefined && name.formatted !== currentName) return patched;
  const display = patched.displayName;
  const parts = [name.givenName, name.familyName].filter((p) => typeof p === 'string' && p !== '');
  const formatted =
    typeof display === 'string' && display !== currentName
      ? display
      : parts.length > 0
        ? parts.join(' ')
        : undefined;
  return formatted === undefined ? patched : { ...patched, name: { ...name, formatted } };
}

/** RFC 7644 §3.5.2: a PatchOp message with at least one operation. */
export function checkPatchBody(body: unknown): ScimPatch['Operations'] {
  try {
    patchBodyValidation(body as ScimPatch);
  } catch (error) {
    throw invalidSyntax(
      `The PATCH body is not a SCIM PatchOp: ${(error as Error).message}`.slice(0, 300),
    );
  }
  const operations = (body as ScimPatch).Operations;
  for (const op of operations) {
    // scim-patch walks paths and value keys as object members: a path through __proto__ or
    // constructor.prototype would write into every object of the process.
    if (
      op.path !== undefined &&
      /(^|[.:[\]\s])(__proto__|constructor|prototype)($|[.:[\]\s])/i.test(op.path)
    ) {
      throw new ScimError(400, 'The path names no attribute of this resource', 'invalidPath');
    }
    if ('value' in op && hasForbiddenKey(op.value)) {
      throw invalidValue('The value names no attribute of this resource');
    }
    if (op.op.toLowerCase() === 'remove' && !op.path) {
      throw new ScimError(400, "A 'remove' needs a path", 'noTarget');
    }
  }
  return operations;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function hasForbiddenKey(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return false;
  // Deeper than any SCIM resource: refused rather than walked.
  if (depth > 32) return true;
  if (Array.isArray(value)) return value.some((item) => hasForbiddenKey(item, depth + 1));
  return Object.keys(value).some(
    (key) =>
      FORBIDDEN_KEYS.has(key.toLowerCase()) ||
      key.split(/[.:]/).some((part) => FORBIDDEN_KEYS.has(part.toLowerCase())) ||
      hasForbiddenKey((value as ScimJson)[key], depth + 1),
  );
}

/** Applies the operations with scim-patch; its errors are SCIM errors (invalidPath, noTarget). */
export function applyPatch(resource: ScimJson, operations: ScimPatch['Operations']): ScimJson {
  try {
    return scimPatch(resource as unknown as ScimResource, operations.flatMap(expandPathless), {
      mutateDocument: false,
      treatMissingAsAdd: true,
    }) as unknown as ScimJson;
  } catch (error) {
    if (error instanceof PatinaError || error instanceof ScimError) throw error;
    const scimCode = (error as { scimCode?: string }).scimCode;
    const message = (error as Error).message.slice(0, 300);
    if (scimCode === 'noTarget') throw new ScimError(400, message, 'noTarget');
    throw new ScimError(400, message, 'invalidPath');
  }
}

/**
 * A pathless add or replace whose value names attributes by path, as Entra ID sends them
 * (`{"name.givenName": "Ada"}`, `{"urn:…:enterprise:2.0:User:department": "R&D"}`): one
 * operation per such member, with it as the path (RFC 7644 §3.5.2.1 allows either form).
 */
function expandPathless(op: ScimPatch['Operations'][number]): ScimPatch['Operations'] {
  if (op.path !== undefined || !('value' in op)) return [op];
  const value: unknown = op.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [op];
  const plain: ScimJson = {};
  const pathed: ScimPatch['Operations'] = [];
  for (const [key, member] of Object.entries(value as ScimJson)) {
    const isExtension = key.toLowerCase() === SCIM_SCHEMAS.enterpriseUser.toLowerCase();
    if (!isExtension && (key.includes('.') || key.includes(':'))) {
      pathed.push({ ...op, path: key, value: member });
    } else {
      plain[key] = member;
    }
  }
  if (pathed.length === 0) return [op];
  return [...(Object.keys(plain).length > 0 ? [{ ...op, value: plain }] : []), ...pathed];
}
