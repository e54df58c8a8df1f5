import {
  MAX_LAST_USED_FROM,
  surfaceOf,
  type ApiVersion,
  type ExpiryRule,
  isIdShaped,
  type PatinaPatMergePatch,
  type PatWarning,
} from '@patina/contract';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../config/schema.js';
import { conflict, notFoundById, PatinaError } from '../core/errors.js';
import { type RightsModel } from '../identities/rights.js';
import { isUniqueViolation } from '../storage/dialect.js';
import type { PatChanges } from '../storage/pats-repository.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import { makeSecret, type SecretDigester } from '../tokens/secret.js';
import { checkAllowedCidrs } from './allowed-cidrs.js';
import {
  checkCreateInput,
  checkDescription,
  checkName,
  checkScope,
  type CreatePatInput,
} from './create-input.js';
import { checkRuleLimits, resolveExpiry } from './expiry.js';
import { parseFilter, PAT_FILTER_FIELDS, PATINA_PAT_FILTER_FIELDS } from './filter.js';
import { type PatinaPersonalAccessToken, type PersonalAccessToken } from './model.js';
import {
  authorizeChange,
  authorizeCreateFor,
  authorizeCreateOwn,
  authorizeList,
  authorizeRead,
} from './pat-access.js';
import { applyPatPatch, type PatchableView } from './patch.js';
import { ruleBoundsFor } from './policy-rules.js';
import { parseSorters } from './sorters.js';
import { patStatus, statusWindow } from './status.js';
import { randomHexId } from '../core/ids.js';

/**
 * Where a request comes in: a SailPoint API version (its expiry rule, its filter fields), or
 * Patina's own PAT resource, which defaults an absent expiry as v3 does and filters on more.
 */
export type PatSurface = ApiVersion | 'patina';

function expiryRuleOf(surface: PatSurface): ExpiryRule {
  return surface === 'patina' ? 'defaulted' : surfaceOf(surface).expiryRule;
}

/** A PAT as a change leaves it, before the rules are checked: what PATCH and merge patch make. */
export interface PatChangeView extends PatchableView {
  description?: string;
  allowedCidrs?: string[] | null;
}

/** RFC 7396 merge patch of the Patina resource: the contract's, as its schema validates it. */
export type PatMergePatch = PatinaPatMergePatch;

export interface ListPatsInput {
  /** Which fields `filters` may name: SailPoint's list (the default) takes fewer than Patina's. */
  surface?: PatSurface | undefined;
  /** `me`, an identity id, or undefined for every owner. */
  ownerId?: string | undefined;
  filters?: string | undefined;
  sorters?: string | undefined;
  limit: number;
  offset: number;
  withTotal: boolean;
}

export interface PatServiceDeps {
  storage: Storage;
  rights: RightsModel;
  audit: AuditLog;
  clock: Clock;
  policy: Policy;
  digester: SecretDigester;
}

/** Creating, listing, changing and deleting PATs; who may do which is in pat-access.ts. */
export class PatService {
  constructor(private readonly deps: PatServiceDeps) {}

  /** POST on a PAT surface: a PAT for the caller. */
  async createOwn(ctx: RequestContext, input: CreatePatInput, surface: PatSurface) {
    const ownerId = authorizeCreateOwn(ctx);
    return this.#create(ctx, input, {
      ownerId,
      managed: false,
      rule: expiryRuleOf(surface),
    });
  }

  /** The admin API: a PAT for any identity, optionally managed. */
  async createFor(
    ctx: RequestContext,
    ownerId: string,
    input: CreatePatInput & { managed?: boolean | undefined },
  ) {
    authorizeCreateFor(ctx);
    return this.#create(ctx, input, {
      ownerId,
      managed: input.managed ?? false,
      rule: 'defaulted',
    });
  }

  /**
   * A recovery PAT for an administrator (`patina-server admin token`). It replaces the identity's
   * previous recovery PAT, and it is exempt from the owner limit: recovery must work exactly when
   * the administrator's PATs are lost or used up, and each run leaves at most one recovery PAT.
   */
  async createRecovery(ctx: RequestContext, ownerId: string, name: string) {
    authorizeCreateFor(ctx);
    return this.#create(
      ctx,
      { name },
      { ownerId, managed: false, rule: 'defaulted', recovery: true },
    );
  }

  async #create(
    ctx: RequestContext,
    input: CreatePatInput,
    options: { ownerId: string; managed: boolean; rule: ExpiryRule; recovery?: boolean },
  ): Promise<{ pat: PersonalAccessToken; secret: string; replaced?: string | undefined }> {
    const { policy, clock } = this.deps;
    const now = clock.now();
    const fields = checkCreateInput(input, {
      rights: this.deps.rights,
      policy,
      expiryRule: options.rule,
      now,
    });
    const { name, scope } = fields;
    const secret = makeSecret();
    const { digest, version } = this.deps.digester.digest(secret);
    const id = randomHexId();

    let replaced: string | undefined;
    const ownerName = await this.#write(name, () =>
      this.deps.storage.transaction(async (repos) => {
        // The owner's row lock serialises creates per owner, so the limit cannot be raced.
        if (!(await repos.identities.lockForUpdate(options.ownerId))) {
          throw notFoundById('Identity', options.ownerId);
        }
        const owner = await repos.identities.findById(options.ownerId);
        if (options.recovery) {
          replaced = await this.#retirePreviousRecovery(repos, ctx, options.ownerId);
        } else if ((await repos.pats.countLive(options.ownerId)) >= policy.maxTokensPerOwner) {
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
          accessTokenValiditySeconds: fields.accessTokenValiditySeconds,
          expirationDate: fields.expirationDate,
          userAwareTokenNeverExpires: fields.userAwareTokenNeverExpires,
          description: fields.description,
          allowedCidrs: fields.allowedCidrs,
        });
        if (options.recovery) await repos.settings.set(recoveryKey(options.ownerId), id);
        await this.deps.audit.record(repos, {
          type: 'PERSONAL_ACCESS_TOKEN_CREATED',
          context: ctx.audit,
          target: { type: 'PERSONAL_ACCESS_TOKEN', id, name },
          details: {
            ownerId: options.ownerId,
            scope,
            managed: options.managed,
            expirationDate: fields.expirationDate,
            ...(fields.allowedCidrs !== null && { allowedCidrs: fields.allowedCidrs }),
            ...(options.recovery && { recovery: true }),
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
      accessTokenValiditySeconds: fields.accessTokenValiditySeconds,
      expirationDate: fields.expirationDate,
      userAwareTokenNeverExpires: fields.userAwareTokenNeverExpires,
      description: fields.description,
      allowedCidrs: fields.allowedCidrs,
      rotatedAt: null,
      previousSecretValidUntil: null,
    };
    return { pat, secret, replaced };
  }

  async list(ctx: RequestContext, input: ListPatsInput) {
    const { ownerId, includeManaged } = authorizeList(ctx, input.ownerId);
    const fields = input.surface === 'patina' ? PATINA_PAT_FILTER_FIELDS : PAT_FILTER_FIELDS;
    return this.deps.storage.repos.pats.list({
      ...(ownerId !== undefined && { ownerId }),
      includeManaged,
      ...(input.filters !== undefined && { filter: parseFilter(input.filters, fields) }),
      filterContext: statusWindow(this.deps.clock.now(), this.deps.policy.expiringSoonDays),
      sort: parseSorters(input.sorters),
      limit: input.limit,
      offset: input.offset,
      withTotal: input.withTotal,
    });
  }

  /** GET of one PAT (the Patina resource), with the rights of the list. */
  async get(ctx: RequestContext, id: string): Promise<PersonalAccessToken> {
    return authorizeRead(ctx, id, await this.#findLive(id));
  }

  /** PATCH on a SailPoint surface: an RFC 6902 JSON Patch, under that surface's expiry rule. */
  async patch(
    ctx: RequestContext,
    id: string,
    operations: unknown,
    version: ApiVersion,
  ): Promise<PersonalAccessToken> {
    const pat = authorizeChange(ctx, id, await this.#findLive(id), 'change');
    const after = applyPatPatch(patchableView(pat), operations);
    return this.#change(ctx, pat, after, expiryRuleOf(version));
  }

  /**
   * PATCH of the Patina resource: an RFC 7396 merge patch. A member sent replaces the value;
   * null puts it back to its default (the default scope, no description, from anywhere, the
   * default expiry); an absent member stays as it is.
   */
  async mergePatch(
    ctx: RequestContext,
    id: string,
    patch: PatMergePatch,
  ): Promise<PersonalAccessToken> {
    const pat = authorizeChange(ctx, id, await this.#findLive(id), 'change');
    const after: PatChangeView = {
      ...patchableView(pat),
      description: pat.description,
      allowedCidrs: pat.allowedCidrs,
    };
    if (patch.name !== undefined) after.name = patch.name;
    if (patch.scope !== undefined) after.scope = patch.scope;
    if (patch.description !== undefined) after.description = patch.description ?? '';
    if (patch.allowedCidrs !== undefined) after.allowedCidrs = patch.allowedCidrs;
    if (patch.expirationDate !== undefined) after.expirationDate = patch.expirationDate;
    if (patch.userAwareTokenNeverExpires !== undefined) {
      after.userAwareTokenNeverExpires = patch.userAwareTokenNeverExpires ?? false;
    }
    return this.#change(ctx, pat, after, 'defaulted');
  }

  /**
   * What the caller of a create or change should know about `pat` (docs/rules.md, "Granted
   * scopes"): a PAT whose scopes are no right its owner holds now is accepted, as SailPoint accepts
   * it, but every exchange of it is refused, so the Patina resource says so.
   */
  async warningsFor(pat: PersonalAccessToken): Promise<PatWarning[]> {
    const owner = await this.deps.storage.repos.identities.findById(pat.ownerId);
    if (!owner) return [];
    const { rights } = this.deps;
    if (rights.grantable(pat.scope, rights.rightsOf(owner)).length > 0) return [];
    return [
      {
        code: 'GRANTS_NOTHING',
        field: 'scope',
        message:
          'None of these scopes is a right the owner holds, so every exchange of this PAT will be refused (invalid_scope) until the owner is given one of them',
      },
    ];
  }

  /**
   * The Patina resource's view of PATs the caller may already see: status now, and the last
   * addresses each was used from.
   */
  async describe(pats: readonly PersonalAccessToken[]): Promise<PatinaPersonalAccessToken[]> {
    const now = this.deps.clock.now();
    const sources = await this.deps.storage.repos.patUseSources.forPats(pats.map((p) => p.id));
    return pats.map((pat) => ({
      ...pat,
      status: patStatus(pat.expirationDate, now, this.deps.policy.expiringSoonDays),
      lastUsedFrom: (sources.get(pat.id) ?? []).slice(0, MAX_LAST_USED_FROM),
    }));
  }

  /** Checks a changed view of `pat` against every rule, and stores what changed. */
  async #change(
    ctx: RequestContext,
    pat: PersonalAccessToken,
    after: PatChangeView,
    rule: ExpiryRule,
  ): Promise<PersonalAccessToken> {
    const before = patchableView(pat);
    const changes: PatChanges = {};
    if (after.name !== before.name) changes.name = checkName(after.name);
    if (JSON.stringify(after.scope) !== JSON.stringify(before.scope)) {
      changes.scope = checkScope(after.scope, this.deps.rights);
    }
    if (after.description !== undefined && after.description !== pat.description) {
      changes.description = checkDescription(after.description);
    }
    if (
      after.allowedCidrs !== undefined &&
      JSON.stringify(after.allowedCidrs) !== JSON.stringify(pat.allowedCidrs)
    ) {
      const cidrs = checkAllowedCidrs(after.allowedCidrs);
      if (JSON.stringify(cidrs) !== JSON.stringify(pat.allowedCidrs)) changes.allowedCidrs = cidrs;
    }
    const rules = ruleBoundsFor(changes.scope ?? pat.scope, this.deps.policy.rules);
    if (
      after.expirationDate !== before.expirationDate ||
      after.userAwareTokenNeverExpires !== before.userAwareTokenNeverExpires
    ) {
      const expiry = resolveExpiry({
        rule,
        created: new Date(pat.created),
        now: this.deps.clock.now(),
        expirationDate: after.expirationDate,
        userAwareTokenNeverExpires: after.userAwareTokenNeverExpires,
        policy: this.deps.policy,
        rules,
      });
      changes.expirationDate = expiry.expirationDate;
      changes.userAwareTokenNeverExpires = expiry.userAwareTokenNeverExpires;
    } else if (changes.scope) {
      checkRuleLimits({
        created: new Date(pat.created),
        expirationDate: pat.expirationDate,
        rules,
      });
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
    const updated = await this.#findLive(pat.id);
    if (!updated) throw notFoundById('Personal access token', pat.id);
    return updated;
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const pat = authorizeChange(ctx, id, await this.#findLive(id), 'delete');
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

  /** Deletes the identity's earlier recovery PAT, if it is still live; returns its id. */
  async #retirePreviousRecovery(
    repos: Repositories,
    ctx: RequestContext,
    ownerId: string,
  ): Promise<string | undefined> {
    const previous = await repos.settings.get(recoveryKey(ownerId));
    const pat = previous === undefined ? undefined : await repos.pats.findLive(previous);
    if (!pat || pat.ownerId !== ownerId) return undefined;
    await repos.pats.markDeleted(pat.id, this.deps.clock.now().toISOString());
    await this.deps.audit.record(repos, {
      type: 'PERSONAL_ACCESS_TOKEN_DELETED',
      context: ctx.audit,
      target: { type: 'PERSONAL_ACCESS_TOKEN', id: pat.id, name: pat.name },
      details: { ownerId, reason: 'REPLACED_BY_RECOVERY' },
    });
    return pat.id;
  }

  async #findLive(id: string): Promise<PersonalAccessToken | undefined> {
    return isIdShaped(id) ? this.deps.storage.repos.pats.findLive(id) : undefined;
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

/** Where the id of an identity's current recovery PAT is kept. */
const recoveryKey = (identityId: string) => `recovery_pat:${identityId}`;

function patchableView(pat: PersonalAccessToken): PatchableView {
  return {
    name: pat.name,
    scope: pat.scope,
    expirationDate: pat.expirationDate,
    userAwareTokenNeverExpires: pat.userAwareTokenNeverExpires,
  };
}

function nameConflict(name: string): PatinaError {
  return conflict('name', `The owner already has a personal access token named '${name}'`);
}
