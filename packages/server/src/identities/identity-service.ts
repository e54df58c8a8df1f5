import { type Identity, type IdentityStatus, type SsoLink, canonicalScope } from '@patina/contract';
import { authorize } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import {
  conflict,
  illegalValue,
  notFoundById,
  PatinaError,
  requiredMissing,
} from '../core/errors.js';
import { cleanText } from '../core/free-text.js';
import { isUniqueViolation } from '../storage/dialect.js';
import type {
  DirectoryFieldChanges,
  DirectoryFields,
  IdentityChanges,
} from '../storage/identities-repository.js';
import type { Repositories as Repos, Storage } from '../storage/repositories.js';
import { type RightsModel } from './rights.js';
import { canonicalSsoLink } from './sso-link.js';
import { echo } from '../core/redact.js';
import { randomHexId } from '../core/ids.js';

export interface CreateIdentityInput {
  name: string;
  login?: string | undefined;
  roles?: string[] | undefined;
  rights?: string[] | undefined;
  status?: IdentityStatus | undefined;
  email?: string | null | undefined;
  /** The OpenID provider account that signs in as it (the console's SSO makes identities so). */
  ssoLink?: SsoLink | undefined;
  /** SCIM (scim/): the directory's fields, written with the identity in one transaction. */
  directory?: DirectoryFields | undefined;
}

/** RFC 7396 merge patch of an identity: only these members, each optional. */
export interface IdentityPatch {
  name?: string | undefined;
  roles?: string[] | undefined;
  rights?: string[] | undefined;
  status?: IdentityStatus | undefined;
  /** null removes the address. */
  email?: string | null | undefined;
  /** null removes the link: the account's next SSO sign-in is a first one again. */
  ssoLink?: SsoLink | null | undefined;
}

const LOGIN_PATTERN = /^[A-Za-z0-9._@+-]{1,128}$/;
/**
 * A mailbox as mail servers take it: local part, one @, a dotted domain; no spaces, quotes or
 * angle brackets (which could smuggle a second recipient into a header). RFC 5321 §4.5.3.1
 * bounds the whole at 254 characters and the local part at 64.
 */
const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

const MANAGING = 'Managing identities';
/** How many PATs a disable names in its event (each becomes a credential-change SET). */
const MAX_SUSPENDED_NAMED = 1000;
const READING = 'Reading identities';

/** Identities, their roles and rights: read with the all-read right, changed with all-manage. */
export class IdentityService {
  constructor(
    private readonly deps: {
      storage: Storage;
      rights: RightsModel;
      audit: AuditLog;
      clock: Clock;
    },
  ) {}

  async create(ctx: RequestContext, input: CreateIdentityInput): Promise<Identity> {
    authorize(ctx, 'manageAll', MANAGING);
    const name = this.#name(input.name);
    const login = input.login === undefined ? loginFromName(name) : input.login.trim();
    if (!LOGIN_PATTERN.test(login)) {
      throw illegalValue('login', "'login' must be 1 to 128 letters, digits or any of . _ @ + -");
    }
    // A Patina secret has a login's shape: one pasted here would be shown in every list.
    cleanText('login', login);
    const now = this.deps.clock.now().toISOString();
    const identity: Identity = {
      id: randomHexId(),
      login,
      name,
      status: input.status ?? 'ACTIVE',
      roles: this.#roles(input.roles ?? ['USER']),
      rights: this.#rights(input.rights ?? []),
      ...(input.email != null && { email: this.#email(input.email) }),
      ...(input.ssoLink !== undefined && { ssoLink: this.#ssoLink(input.ssoLink) }),
      created: now,
      modified: now,
    };
    try {
      await this.deps.storage.transaction(async (repos) => {
        if (identity.ssoLink) await this.#refuseLinkedElsewhere(repos, identity.ssoLink, undefined);
        await repos.identities.insert(identity, input.directory);
        await this.deps.audit.record(repos, {
          type: 'IDENTITY_CREATED',
          context: ctx.audit,
          target: { type: 'IDENTITY', id: identity.id, name: identity.name },
          details: {
            login,
            roles: identity.roles,
            status: identity.status,
            ...(identity.email !== undefined && { email: identity.email }),
            ...(identity.ssoLink !== undefined && { ssoLink: identity.ssoLink }),
          },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        // The login, or a link another identity took a moment ago (a sign-in on another node).
        const holder =
          identity.ssoLink &&
          (await this.deps.storage.repos.identities.findBySsoLink(identity.ssoLink));
        if (holder) throw linkedElsewhere(holder.id);
        throw conflict('login', `An identity with login '${echo(login)}' already exists`);
      }
      throw error;
    }
    return identity;
  }

  /**
   * Links an identity that has no SSO link yet to an OpenID provider account: the first SSO
   * sign-in of a person whose verified address is that identity's, when
   * `sso.linkExistingByVerifiedEmail` allows it. False when the identity got a link meanwhile or
   * the account is linked to another identity; nothing is written then.
   */
  async linkIfUnlinked(ctx: RequestContext, id: string, link: SsoLink): Promise<boolean> {
    authorize(ctx, 'manageAll', MANAGING);
    const now = this.deps.clock.now().toISOString();
    try {
      return await this.deps.storage.transaction(async (repos) => {
        if (!(await repos.identities.linkIfUnlinked(id, link, now))) return false;
        const current = await repos.identities.findById(id);
        await this.deps.audit.record(repos, {
          type: 'IDENTITY_UPDATED',
          context: ctx.audit,
          target: { type: 'IDENTITY', id, name: current?.name ?? null },
          details: { changed: ['ssoLink'], ssoLink: link },
        });
        return true;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async get(ctx: RequestContext, id: string): Promise<Identity> {
    authorize(ctx, 'readAll', READING);
    return this.#find(id);
  }

  async list(ctx: RequestContext, page: { limit: number; offset: number; withTotal: boolean }) {
    authorize(ctx, 'readAll', READING);
    const repos = this.deps.storage.repos;
    const items = await repos.identities.list(page);
    return { items, total: page.withTotal ? await repos.identities.count() : undefined };
  }

  async update(ctx: RequestContext, id: string, patch: IdentityPatch): Promise<Identity> {
    authorize(ctx, 'manageAll', MANAGING);
    const changes = {
      ...(patch.name !== undefined && { name: this.#name(patch.name) }),
      ...(patch.roles !== undefined && { roles: this.#roles(patch.roles) }),
      ...(patch.rights !== undefined && { rights: this.#rights(patch.rights) }),
      ...(patch.status !== undefined && { status: patch.status }),
      ...(patch.email !== undefined && {
        email: patch.email === null ? null : this.#email(patch.email),
      }),
      ...(patch.ssoLink !== undefined && {
        ssoLink: patch.ssoLink === null ? null : this.#ssoLink(patch.ssoLink),
      }),
    };
    const now = this.deps.clock.now().toISOString();
    try {
      await this.#update(ctx, id, changes, now, refuseDirectoryOwned);
    } catch (error) {
      // The link is the only unique member a patch can change: another identity took it between
      // the check and the write.
      if (isUniqueViolation(error) && changes.ssoLink) {
        const holder = await this.deps.storage.repos.identities.findBySsoLink(changes.ssoLink);
        throw linkedElsewhere(holder?.id ?? 'another identity');
      }
      throw error;
    }
    return this.#find(id);
  }

  /**
   * The directory's own change of an identity (SCIM, scim/): update()'s checks, transaction and
   * audit event (so a disable ends every credential and sends the SETs as any disable does),
   * without refuseDirectoryOwned: the directory owns those members. It may also change the login
   * and its own fields.
   */
  async updateFromDirectory(
    ctx: RequestContext,
    id: string,
    patch: IdentityPatch & { login?: string; directory?: DirectoryFieldChanges },
  ): Promise<Identity> {
    authorize(ctx, 'manageAll', MANAGING);
    const changes = {
      ...(patch.login !== undefined && { login: this.#login(patch.login) }),
      ...(patch.name !== undefined && { name: this.#name(patch.name) }),
      ...(patch.roles !== undefined && { roles: this.#roles(patch.roles) }),
      ...(patch.rights !== undefined && { rights: this.#rights(patch.rights) }),
      ...(patch.status !== undefined && { status: patch.status }),
      ...(patch.email !== undefined && {
        email: patch.email === null ? null : this.#email(patch.email),
      }),
      ...(patch.directory !== undefined && { directory: patch.directory }),
    };
    try {
      await this.#update(ctx, id, changes, this.deps.clock.now().toISOString());
    } catch (error) {
      if (isUniqueViolation(error) && changes.login !== undefined) {
        throw conflict('login', `An identity with login '${echo(changes.login)}' already exists`);
      }
      throw error;
    }
    return this.#find(id);
  }

  #login(raw: string): string {
    const login = raw.trim();
    if (!LOGIN_PATTERN.test(login)) {
      throw illegalValue('login', "'login' must be 1 to 128 letters, digits or any of . _ @ + -");
    }
    cleanText('login', login);
    return login;
  }

  async #update(
    ctx: RequestContext,
    id: string,
    changes: Omit<IdentityChanges, 'modified' | 'disabledAt'>,
    now: string,
    check?: (current: Identity, changes: Omit<IdentityChanges, 'modified' | 'disabledAt'>) => void,
  ): Promise<void> {
    await this.deps.storage.transaction(async (repos) => {
      const before = await repos.identities.findById(id);
      if (!before) throw notFoundById('Identity', id);
      check?.(before, changes);
      // A disable suspends every live PAT of the identity: named in the event, so that Shared
      // Signals tells resource servers of each credential as well as of the sessions (ssf/events.ts).
      const suspended =
        changes.status === 'DISABLED' && before.status !== 'DISABLED'
          ? (await repos.patLifecycle.liveOfOwner(id)).slice(0, MAX_SUSPENDED_NAMED)
          : [];
      if (changes.ssoLink) await this.#refuseLinkedElsewhere(repos, changes.ssoLink, id);
      const updated = await repos.identities.update(id, {
        ...changes,
        // Access tokens issued before the last disable never come back (auth/bearer.ts).
        ...(changes.status === 'DISABLED' && { disabledAt: now }),
        modified: now,
      });
      if (!updated) throw notFoundById('Identity', id);
      const current = await repos.identities.findById(id);
      await this.deps.audit.record(repos, {
        type: 'IDENTITY_UPDATED',
        context: ctx.audit,
        target: { type: 'IDENTITY', id, name: current?.name ?? null },
        details: {
          changed: Object.keys(changes),
          ...changes,
          ...(suspended.length > 0 && { suspendedPats: suspended.map((pat) => pat.id) }),
        },
      });
    });
  }

  /** One OpenID provider account signs in as one identity (a unique index, migration 0009). */
  async #refuseLinkedElsewhere(repos: Repos, link: SsoLink, id: string | undefined) {
    const holder = await repos.identities.findBySsoLink(link);
    if (holder && holder.id !== id) throw linkedElsewhere(holder.id);
  }

  #ssoLink(raw: SsoLink): SsoLink {
    const checked = canonicalSsoLink(raw.issuer, raw.subject);
    if ('link' in checked) return checked.link;
    throw illegalValue(`ssoLink.${checked.field}`, `'ssoLink.${checked.field}' ${checked.message}`);
  }

  async #find(id: string): Promise<Identity> {
    const identity = await this.deps.storage.repos.identities.findById(id);
    if (!identity) throw notFoundById('Identity', id);
    return identity;
  }

  #name(raw: string): string {
    const name = cleanText('name', raw).trim();
    if (name.length === 0) throw requiredMissing('name');
    if (name.length > 256) throw illegalValue('name', "'name' must be at most 256 characters");
    return name;
  }

  #email(raw: string): string {
    const email = raw.trim();
    if (email.length > 254 || !EMAIL_PATTERN.test(email)) {
      throw illegalValue('email', "'email' must be a mail address such as ada@example.com");
    }
    return email;
  }

  #roles(roles: string[]): string[] {
    for (const role of roles) {
      if (!this.deps.rights.isKnownRole(role)) {
        throw illegalValue(
          'roles',
          `Unknown role '${echo(role)}'; known roles: ${this.deps.rights.roleNames.join(', ')}`,
        );
      }
    }
    return [...new Set(roles)];
  }

  #rights(rights: string[]): string[] {
    for (const right of rights) {
      if (!this.deps.rights.catalogue.has(canonicalScope(right))) {
        throw illegalValue(
          'rights',
          `Right '${echo(right)}' is not in the scope catalogue; add it to the \`scopes\` setting of the config file`,
        );
      }
    }
    return [...new Set(rights)];
  }
}

/**
 * An identity the directory provisions over SCIM (docs/scim.md) takes its name, login and roles
 * from there: a change through Patina's own API would be overwritten at the next sync, or worse,
 * outlive it. A member equal to the current value is no change (a form that sends the whole
 * identity back may still change its status). Status, rights, email and PATs stay Patina's:
 * an administrator must always be able to disable someone at once (issue 28).
 */
function refuseDirectoryOwned(
  current: Identity,
  changes: Omit<IdentityChanges, 'modified' | 'disabledAt'>,
): void {
  if (current.directoryManaged !== true) return;
  const owned: string[] = [];
  if (changes.name !== undefined && changes.name !== current.name) owned.push('name');
  if (changes.roles !== undefined && !sameSet(changes.roles, current.roles)) owned.push('roles');
  if (owned.length === 0) return;
  const names = owned.map((field) => `'${field}'`).join(' and ');
  throw new PatinaError(
    'STATE_CONFLICT',
    `Identity '${current.id}' is managed by the directory (SCIM): its ${names} can be changed only there`,
    { field: owned[0] },
  );
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

function linkedElsewhere(holderId: string) {
  return conflict(
    'ssoLink',
    `That SSO account is already linked to identity '${holderId}'; remove that link first ('ssoLink': null)`,
  );
}

/** `Ada Lovelace` → `ada.lovelace`: a default login when the creator gives none. */
function loginFromName(name: string): string {
  const login = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.+|\.+$/g, '')
    .slice(0, 128);
  return login || 'user';
}
