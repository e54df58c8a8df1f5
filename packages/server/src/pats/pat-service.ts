import {
  ALL_SCOPES,
  surfaceOf,
  type ApiVersion,
  type ExpiryRule,
  PAT_SORT_FIELDS,
  type PatSortField,
  isIdShaped,
} from '@patina/contract';
import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../config/schema.js';
import {
  badRequest,
  conflict,
  forbidden,
  illegalValue,
  notFoundById,
  PatinaError,
  requiredMissing,
} from '../core/errors.js';
import {
  canManageAll,
  canManageOwn,
  canReadAll,
  canReadOwn,
  canSeeManaged,
  type Principal,
  type RequestContext,
} from '../access/principal.js';
import { type RightsModel } from '../identities/rights.js';
import { isUniqueViolation } from '../storage/dialect.js';
import type { PatChanges } from '../storage/pats-repository.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import { makeSecret, type SecretDigester } from '../tokens/secret.js';
import { resolveExpiry } from './expiry.js';
import { parseFilter, PAT_FILTER_FIELDS } from './filter.js';
import { type PatSort, type PersonalAccessToken } from './model.js';
import { applyPatPatch, type PatchableView } from './patch.js';

export interface CreatePatInput {
  name: string;
  scope?: string[] | null | undefined;
  accessTokenValiditySeconds?: number | undefined;
  expirationDate?: string | null | undefined;
  userAwareTokenNeverExpires?: boolean | undefined;
}

export interface ListPatsInput {
  /** `me`, an identity id, or undefined for every owner. */
  ownerId?: string | undefined;
  filters?: string | undefined;
  sorters?: string | undefined;
  limit: number;
  offset: number;
  withTotal: boolean;
}

export const DEFAULT_SCOPE = [ALL_SCOPES];
const NAME_MAX = 128;

export interface PatServiceDeps {
  storage: Storage;
  rights: RightsModel;
  audit: AuditLog;
  clock: Clock;
  policy: Policy;
  digester: SecretDigester;
}

export class PatService {
  constructor(private readonly deps: PatServiceDeps) {}

  /** POST on a PAT surface: a PAT for the caller. */
  async createOwn(ctx: RequestContext, input: CreatePatInput, version: ApiVersion) {
    const principal = requirePrincipal(ctx);
    if (!canManageOwn(principal)) {
      throw forbidden(
        'Creating a personal access token needs the right sp:my-personal-access-tokens:manage',
        'sp:my-personal-access-tokens:manage',
      );
    }
    return this.#create(ctx, input, {
      ownerId: principal.identityId,
      managed: false,
      rule: surfaceOf(version).expiryRule,
    });
  }

  /** The admin API: a PAT for any identity, optionally managed. */
  async createFor(
    ctx: RequestContext,
    ownerId: string,
    input: CreatePatInput & { managed?: boolean | undefined },
  ) {
    const principal = requirePrincipal(ctx);
    if (!canManageAll(principal)) {
      throw forbidden(
        'Creating a personal access token for another identity needs the right sp:all-personal-access-tokens:manage',
        'sp:all-personal-access-tokens:manage',
      );
    }
    return this.#create(ctx, input, {
      ownerId,
      managed: input.managed ?? false,
      rule: 'defaulted',
    });
  }

  async #create(
    ctx: RequestContext,
    input: CreatePatInput,
    options: { ownerId: string; managed: boolean; rule: ExpiryRule },
  ): Promise<{ pat: PersonalAccessToken; secret: string }> {
    const { policy, clock } = this.deps;
    const now = clock.now();
    const name = this.#name(input.name);
    const scope = this.#scope(input.scope);
    const validity = input.accessTokenValiditySeconds ?? policy.accessTokenValiditySeconds.default;
    const bounds = policy.accessTokenValiditySeconds;
    if (validity < bounds.min || validity > bounds.max) {
      throw illegalValue(
        'accessTokenValiditySeconds',
        `'accessTokenValiditySeconds' must be between ${bounds.min} and ${bounds.max}`,
      );
    }
    const expiry = resolveExpiry({
      rule: options.rule,
      created: now,
      now,
      expirationDate: input.expirationDate,
      userAwareTokenNeverExpires: input.userAwareTokenNeverExpires ?? false,
      policy,
    });
    const secret = makeSecret();
    const { digest, version } = this.deps.digester.digest(secret);
    const id = randomBytes(16).toString('hex');

    const ownerName = await this.#write(name, () =>
      this.deps.storage.transaction(async (repos) => {
        // The owner's row lock serialises creates per owner, so the limit cannot be raced.
        if (!(await repos.identities.lockForUpdate(options.ownerId))) {
          throw notFoundById('Identity', options.ownerId);
        }
        const owner = await repos.identities.findById(options.ownerId);
        if ((await repos.pats.countLive(options.ownerId)) >= policy.maxTokensPerOwner) {
          throw new PatinaError(
            'LIMIT_VIOLATION',
            `The owner already holds the maximum of ${policy.maxTokensPerOwner} personal access tokens`,
          );
        }
        if (await repos.pats.nameTaken(options.ownerId, name)) throw nameConflict(name);
        await repos.pats.insert({
          id,
          ownerId: options.ownerId,
          name,
          scope,
          secretDigest: digest,
          digestVersion: version,
          created: now.toISOString(),
          managed: options.managed,
          accessTokenValiditySeconds: validity,
          expirationDate: expiry.expirationDate,
          userAwareTokenNeverExpires: expiry.userAwareTokenNeverExpires,
        });
        await this.deps.audit.record(repos, {
          type: 'PERSONAL_ACCESS_TOKEN_CREATED',
          context: ctx.audit,
          target: { type: 'PERSONAL_ACCESS_TOKEN', id, name },
          details: {
            ownerId: options.ownerId,
            scope,
            managed: options.managed,
            expirationDate: expiry.expirationDate,
          },
        });
        return owner?.name ?? '';
      }),
    );
    const pat: PersonalAccessToken = {
      id,
      ownerId: options.ownerId,
      ownerName,
      name,
      scope,
      created: now.toISOString(),
      lastUsed: null,
      managed: options.managed,
      accessTokenValiditySeconds: validity,
      expirationDate: expiry.expirationDate,
      userAwareTokenNeverExpires: expiry.userAwareTokenNeverExpires,
    };
    return { pat, secret };
  }

  async list(ctx: RequestContext, input: ListPatsInput) {
    const principal = requirePrincipal(ctx);
    let ownerId: string | undefined;
    if (input.ownerId === 'me' || input.ownerId === principal.identityId) {
      ownerId = principal.identityId;
      if (!canReadOwn(principal)) {
        throw forbidden(
          'Listing your personal access tokens needs the right sp:my-personal-access-tokens:read',
          'sp:my-personal-access-tokens:read',
        );
      }
    } else {
      if (input.ownerId !== undefined && !isIdShaped(input.ownerId)) {
        throw illegalValue(
          'owner-id',
          "'owner-id' must be 'me' or an identity id (32 hex characters)",
        );
      }
      ownerId = input.ownerId;
      if (!canReadAll(principal)) {
        throw forbidden(
          "Listing other identities' personal access tokens needs the right sp:all-personal-access-tokens:read",
          'sp:all-personal-access-tokens:read',
        );
      }
    }
    return this.deps.storage.repos.pats.list({
      ...(ownerId !== undefined && { ownerId }),
      includeManaged: canSeeManaged(principal),
      ...(input.filters !== undefined && { filter: parseFilter(input.filters, PAT_FILTER_FIELDS) }),
      sort: parseSorters(input.sorters),
      limit: input.limit,
      offset: input.offset,
      withTotal: input.withTotal,
    });
  }

  async patch(
    ctx: RequestContext,
    id: string,
    operations: unknown,
    version: ApiVersion,
  ): Promise<PersonalAccessToken> {
    const principal = requirePrincipal(ctx);
    const pat = await this.#findForChange(principal, id, 'change');
    const before: PatchableView = {
      name: pat.name,
      scope: pat.scope,
      expirationDate: pat.expirationDate,
      userAwareTokenNeverExpires: pat.userAwareTokenNeverExpires,
    };
    const after = applyPatPatch(before, operations);
    const changes: PatChanges = {};
    if (after.name !== before.name) changes.name = this.#name(after.name);
    if (JSON.stringify(after.scope) !== JSON.stringify(before.scope)) {
      changes.scope = this.#scope(after.scope);
    }
    if (
      after.expirationDate !== before.expirationDate ||
      after.userAwareTokenNeverExpires !== before.userAwareTokenNeverExpires
    ) {
      const expiry = resolveExpiry({
        rule: surfaceOf(version).expiryRule,
        created: new Date(pat.created),
        now: this.deps.clock.now(),
        expirationDate: after.expirationDate,
        userAwareTokenNeverExpires: after.userAwareTokenNeverExpires,
        policy: this.deps.policy,
      });
      changes.expirationDate = expiry.expirationDate;
      changes.userAwareTokenNeverExpires = expiry.userAwareTokenNeverExpires;
    }
    if (Object.keys(changes).length === 0) return pat;
    await this.#write(changes.name ?? pat.name, () =>
      this.deps.storage.transaction(async (repos) => {
        if (changes.name && (await repos.pats.nameTaken(pat.ownerId, changes.name, pat.id))) {
          throw nameConflict(changes.name);
        }
        await repos.pats.update(pat.id, changes);
        await this.deps.audit.record(repos, {
          type: 'PERSONAL_ACCESS_TOKEN_UPDATED',
          context: ctx.audit,
          target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: changes.name ?? pat.name },
          details: { ownerId: pat.ownerId, changed: Object.keys(changes), ...changes },
        });
      }),
    );
    const updated = await this.deps.storage.repos.pats.findLive(pat.id);
    if (!updated) throw notFoundById('Personal access token', id);
    return updated;
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const principal = requirePrincipal(ctx);
    const pat = await this.#findForChange(principal, id, 'delete');
    await this.deps.storage.transaction(async (repos: Repositories) => {
      if (!(await repos.pats.markDeleted(pat.id, this.deps.clock.now().toISOString()))) {
        throw notFoundById('Personal access token', id);
      }
      await this.deps.audit.record(repos, {
        type: 'PERSONAL_ACCESS_TOKEN_DELETED',
        context: ctx.audit,
        target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: pat.name },
        details: { ownerId: pat.ownerId },
      });
    });
  }

  /** A PAT the caller may change: own ones with my-manage, others' with all-manage. */
  async #findForChange(principal: Principal, id: string, verb: 'change' | 'delete') {
    const pat = isIdShaped(id) ? await this.deps.storage.repos.pats.findLive(id) : undefined;
    const visible =
      pat !== undefined &&
      (!pat.managed || canSeeManaged(principal)) &&
      (pat.ownerId === principal.identityId || canReadAll(principal) || canManageAll(principal));
    if (!visible) throw notFoundById('Personal access token', id);
    const allowed =
      pat.ownerId === principal.identityId ? canManageOwn(principal) : canManageAll(principal);
    if (!allowed) {
      const right =
        pat.ownerId === principal.identityId
          ? 'sp:my-personal-access-tokens:manage'
          : 'sp:all-personal-access-tokens:manage';
      throw forbidden(
        `You may not ${verb} this personal access token: it needs the right ${right}`,
        right,
      );
    }
    return pat;
  }

  #name(raw: string): string {
    const name = raw.trim();
    if (name.length === 0) throw requiredMissing('name');
    if (name.length > NAME_MAX) {
      throw illegalValue('name', `'name' must be at most ${NAME_MAX} characters after trimming`);
    }
    return name;
  }

  #scope(raw: string[] | null | undefined): string[] {
    if (raw === undefined || raw === null) return [...DEFAULT_SCOPE];
    if (raw.length === 0) {
      throw illegalValue(
        'scope',
        "'scope' must name at least one scope, or be null for the default",
      );
    }
    for (const scope of raw) {
      if (!this.deps.rights.isGrantableScope(scope)) {
        throw illegalValue('scope', `Scope '${scope}' is not in the scope catalogue`);
      }
    }
    return [...new Set(raw)];
  }

  /** Runs a write that may hit the (owner, name) unique index, and reports that as a conflict. */
  async #write<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) throw nameConflict(name);
      throw error;
    }
  }
}

function requirePrincipal(ctx: RequestContext): Principal {
  if (!ctx.principal) throw new PatinaError('UNAUTHORIZED', 'Authentication is required');
  return ctx.principal;
}

function nameConflict(name: string): PatinaError {
  return conflict('name', `The owner already has a personal access token named '${name}'`);
}

/** SailPoint's `sorters`: comma-separated fields, `-` for descending. Default: created. */
export function parseSorters(raw: string | undefined): PatSort[] {
  if (raw === undefined || raw.trim() === '') return [{ field: 'created', descending: false }];
  return raw.split(',').map((part) => {
    const item = part.trim();
    const descending = item.startsWith('-');
    const field = descending ? item.slice(1) : item;
    if (!(PAT_SORT_FIELDS as readonly string[]).includes(field)) {
      throw badRequest(
        `Invalid sorters: unknown field '${field}'; sortable: ${PAT_SORT_FIELDS.join(', ')}`,
        'sorters',
      );
    }
    return { field: field as PatSortField, descending };
  });
}
