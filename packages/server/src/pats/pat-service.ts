import { surfaceOf, type ApiVersion, type ExpiryRule, isIdShaped } from '@patina/contract';
import { randomBytes } from 'node:crypto';
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
import { checkCreateInput, checkName, checkScope, type CreatePatInput } from './create-input.js';
import { resolveExpiry } from './expiry.js';
import { parseFilter, PAT_FILTER_FIELDS } from './filter.js';
import { type PersonalAccessToken } from './model.js';
import {
  authorizeChange,
  authorizeCreateFor,
  authorizeCreateOwn,
  authorizeList,
} from './pat-access.js';
import { applyPatPatch, type PatchableView } from './patch.js';
import { parseSorters } from './sorters.js';

export interface ListPatsInput {
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
  async createOwn(ctx: RequestContext, input: CreatePatInput, version: ApiVersion) {
    const ownerId = authorizeCreateOwn(ctx);
    return this.#create(ctx, input, {
      ownerId,
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
    const id = randomBytes(16).toString('hex');

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
    };
    return { pat, secret, replaced };
  }

  async list(ctx: RequestContext, input: ListPatsInput) {
    const { ownerId, includeManaged } = authorizeList(ctx, input.ownerId);
    return this.deps.storage.repos.pats.list({
      ...(ownerId !== undefined && { ownerId }),
      includeManaged,
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
    const pat = authorizeChange(ctx, id, await this.#findLive(id), 'change');
    const before: PatchableView = {
      name: pat.name,
      scope: pat.scope,
      expirationDate: pat.expirationDate,
      userAwareTokenNeverExpires: pat.userAwareTokenNeverExpires,
    };
    const after = applyPatPatch(before, operations);
    const changes: PatChanges = {};
    if (after.name !== before.name) changes.name = checkName(after.name);
    if (JSON.stringify(after.scope) !== JSON.stringify(before.scope)) {
      changes.scope = checkScope(after.scope, this.deps.rights);
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
    const updated = await this.#findLive(pat.id);
    if (!updated) throw notFoundById('Personal access token', id);
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

function nameConflict(name: string): PatinaError {
  return conflict('name', `The owner already has a personal access token named '${name}'`);
}
