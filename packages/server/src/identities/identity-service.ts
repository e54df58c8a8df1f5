import { type Identity, type IdentityStatus, canonicalScope } from '@patina/contract';
import { randomBytes } from 'node:crypto';
import { authorize } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { conflict, illegalValue, notFoundById, requiredMissing } from '../core/errors.js';
import { isUniqueViolation } from '../storage/dialect.js';
import type { Storage } from '../storage/repositories.js';
import { type RightsModel } from './rights.js';
import { echo } from '../core/redact.js';

export interface CreateIdentityInput {
  name: string;
  login?: string | undefined;
  roles?: string[] | undefined;
  rights?: string[] | undefined;
  status?: IdentityStatus | undefined;
  email?: string | null | undefined;
}

/** RFC 7396 merge patch of an identity: only these members, each optional. */
export interface IdentityPatch {
  name?: string | undefined;
  roles?: string[] | undefined;
  rights?: string[] | undefined;
  status?: IdentityStatus | undefined;
  /** null removes the address. */
  email?: string | null | undefined;
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
    const now = this.deps.clock.now().toISOString();
    const identity: Identity = {
      id: randomBytes(16).toString('hex'),
      login,
      name,
      status: input.status ?? 'ACTIVE',
      roles: this.#roles(input.roles ?? ['USER']),
      rights: this.#rights(input.rights ?? []),
      ...(input.email != null && { email: this.#email(input.email) }),
      created: now,
      modified: now,
    };
    try {
      await this.deps.storage.transaction(async (repos) => {
        await repos.identities.insert(identity);
        await this.deps.audit.record(repos, {
          type: 'IDENTITY_CREATED',
          context: ctx.audit,
          target: { type: 'IDENTITY', id: identity.id, name: identity.name },
          details: {
            login,
            roles: identity.roles,
            status: identity.status,
            ...(identity.email !== undefined && { email: identity.email }),
          },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw conflict('login', `An identity with login '${echo(login)}' already exists`);
      }
      throw error;
    }
    return identity;
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
    };
    const now = this.deps.clock.now().toISOString();
    await this.deps.storage.transaction(async (repos) => {
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
        details: { changed: Object.keys(changes), ...changes },
      });
    });
    return this.#find(id);
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
        throw illegalValue('rights', `Right '${echo(right)}' is not in the scope catalogue`);
      }
    }
    return [...new Set(rights)];
  }
}

/** A surrogate half without its other half: not a character, and not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Characters a name shows nothing for or that change how text around it is shown: control
 * characters (NUL, CR/LF, the ESC of terminal escapes), format characters (the RTL override,
 * zero-width spaces, the BOM) and the line and paragraph separators.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/**
 * The format characters real names and emoji need: ZWJ joins emoji sequences (👩‍💻) and, with
 * ZWNJ, shapes Arabic and Indic scripts; both only between two visible characters.
 */
const JOINER_IN_WORD =
  /(?<=[\p{L}\p{M}\p{N}\p{Extended_Pictographic}\uFE0F])[\u200C\u200D](?=[\p{L}\p{M}\p{N}\p{Extended_Pictographic}])/gu;

/**
 * Text as identities keep it: Unicode NFC (so the same name typed on two systems is the same
 * string), without invisible or control characters, which could hide a name's real spelling in a
 * list or break a log line.
 */
function cleanText(field: string, raw: string): string {
  if (LONE_SURROGATE.test(raw)) {
    throw illegalValue(field, `'${field}' must be valid Unicode text: it has a lone surrogate`);
  }
  const text = raw.normalize('NFC');
  if (text.replace(JOINER_IN_WORD, '').match(INVISIBLE)) {
    throw illegalValue(
      field,
      `'${field}' must not contain control or invisible characters (such as line breaks, escapes, zero-width spaces or direction overrides)`,
    );
  }
  return text;
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
