import { refuseDelegated } from '../access/authorize.js';
import { isIdShaped, type ApiVersion, type ExpiryRule } from '@patina/contract';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../config/schema.js';
import { notFoundById, PatinaError } from '../core/errors.js';
import { randomHexId } from '../core/ids.js';
import { type RightsModel } from '../identities/rights.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import { makeSecret, type SecretDigester } from '../tokens/secret.js';
import { checkCreateInput, type CreatePatInput } from './create-input.js';
import { parseFilter, PAT_FILTER_FIELDS, PATINA_PAT_FILTER_FIELDS } from './filter.js';
import { type PersonalAccessToken } from './model.js';
import {
  authorizeChange,
  authorizeCreateFor,
  authorizeCreateOwn,
  authorizeList,
  authorizeRead,
} from './pat-access.js';
import {
  checkedChanges,
  mergePatchView,
  patchableView,
  type PatChangeView,
  type PatMergePatch,
} from './pat-changes.js';
import { nameConflict, writeNamed } from './pat-names.js';
import { applyPatPatch } from './patch.js';
import { rememberRecovery, retirePreviousRecovery } from './recovery.js';
import { parseSorters } from './sorters.js';
import { statusWindow } from './status.js';
import { expiryRuleOf, type PatSurface } from './surface.js';
import type { ApprovalRules } from './approval-rules.js';
import {
  ApprovalGate,
  NOT_GATED,
  REFUSE,
  type ApprovalMode,
  type OnWrite,
  type RequestFields,
} from './approval-gate.js';
import type { PatRequestRecord } from '../storage/pat-requests-repository.js';

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
  /** approval.rules: which scopes need an approver's yes. */
  approvals: ApprovalRules;
}

/** A made PAT with its secret (the only time it is shown). */
export interface CreatedPat {
  pat: PersonalAccessToken;
  secret: string;
  replaced?: string | undefined;
}

/** Creating, listing, changing and deleting PATs; who may do which is in pat-access.ts. */
export class PatService {
  readonly #gate: ApprovalGate;

  constructor(private readonly deps: PatServiceDeps) {
    this.#gate = new ApprovalGate(deps);
  }

  /** POST on a PAT surface: a PAT for the caller. */
  async createOwn(
    ctx: RequestContext,
    input: CreatePatInput,
    surface: PatSurface,
  ): Promise<CreatedPat> {
    refuseDelegated(ctx, 'Creating a personal access token');
    const ownerId = authorizeCreateOwn(ctx);
    return this.#made(
      await this.#create(ctx, input, {
        ownerId,
        managed: false,
        rule: expiryRuleOf(surface),
        approval: REFUSE,
      }),
    );
  }

  /**
   * POST of the Patina resource: a PAT for the caller or, when a scope needs approval
   * (approval.rules), a PENDING request for one; nothing usable is made until an approver says yes.
   */
  async createOrRequest(
    ctx: RequestContext,
    input: CreatePatInput & RequestFields,
  ): Promise<CreatedPat | { pending: PatRequestRecord }> {
    refuseDelegated(ctx, 'Creating a personal access token');
    const ownerId = authorizeCreateOwn(ctx);
    const { justification, ticketUrl, ...patInput } = input;
    return this.#create(ctx, patInput, {
      ownerId,
      managed: false,
      rule: expiryRuleOf('patina'),
      approval: { kind: 'request', fields: { justification, ticketUrl } },
    });
  }

  /**
   * An approved CREATE request: the PAT as asked, for its owner, checked again against every
   * rule now (the owner limit, the expiry policy, the rights), its lifetime capped by the rules.
   */
  async createApproved(
    ctx: RequestContext,
    request: PatRequestRecord,
    onWrite: OnWrite,
  ): Promise<CreatedPat> {
    return this.#made(
      await this.#create(ctx, request.input as unknown as CreatePatInput, {
        ownerId: request.ownerId,
        managed: false,
        rule: expiryRuleOf('patina'),
        approval: { kind: 'approved', onWrite },
      }),
    );
  }

  /** The admin API: a PAT for any identity, optionally managed. */
  async createFor(
    ctx: RequestContext,
    ownerId: string,
    input: CreatePatInput & { managed?: boolean | undefined },
  ) {
    refuseDelegated(ctx, 'Creating a personal access token');
    authorizeCreateFor(ctx);
    return this.#made(
      await this.#create(ctx, input, {
        ownerId,
        managed: input.managed ?? false,
        rule: 'defaulted',
        approval: REFUSE,
      }),
    );
  }

  /**
   * A recovery PAT for an administrator (`patina-server admin token`). It replaces the identity's
   * previous recovery PAT, and it is exempt from the owner limit: recovery must work exactly when
   * the administrator's PATs are lost or used up, and each run leaves at most one recovery PAT.
   */
  async createRecovery(ctx: RequestContext, ownerId: string, name: string) {
    authorizeCreateFor(ctx);
    return this.#made(
      await this.#create(
        ctx,
        { name },
        { ownerId, managed: false, rule: 'defaulted', recovery: true, approval: REFUSE },
      ),
    );
  }

  #made(result: CreatedPat | { pending: PatRequestRecord }): CreatedPat {
    // Only the `request` mode makes a request; every other mode makes the PAT or throws.
    if ('pending' in result) throw new Error('A request was made where a PAT was expected');
    return result;
  }

  async #create(
    ctx: RequestContext,
    input: CreatePatInput,
    options: {
      ownerId: string;
      managed: boolean;
      rule: ExpiryRule;
      recovery?: boolean;
      approval: ApprovalMode;
    },
  ): Promise<CreatedPat | { pending: PatRequestRecord }> {
    const { policy, clock } = this.deps;
    const now = clock.now();
    const fields = checkCreateInput(input, {
      rights: this.deps.rights,
      policy,
      expiryRule: options.rule,
      now,
    });
    const { name, scope } = fields;
    const approval = options.approval;
    const pending = await this.#gate.onCreate(ctx, {
      ownerId: options.ownerId,
      input,
      fields,
      mode: options.recovery === true ? NOT_GATED : approval,
    });
    if (pending) return { pending };
    const secret = makeSecret();
    const { digest, version } = this.deps.digester.digest(secret);
    const id = randomHexId();

    let replaced: string | undefined;
    const ownerName = await writeNamed(name, () =>
      this.deps.storage.transaction(async (repos) => {
        // An approval is recorded first: of two approvers, the second finds it decided (409)
        // before anything else it could trip on.
        if (approval.kind === 'approved') await approval.onWrite(repos, { patId: id, secret });
        // The owner's row lock serialises creates per owner, so the limit cannot be raced.
        if (!(await repos.identities.lockForUpdate(options.ownerId))) {
          throw notFoundById('Identity', options.ownerId);
        }
        const owner = await repos.identities.findById(options.ownerId);
        if (options.recovery) {
          replaced = await retirePreviousRecovery(repos, this.deps.audit, {
            ctx,
            ownerId: options.ownerId,
            now: this.deps.clock.now().toISOString(),
          });
        } else if ((await repos.pats.countLive(options.ownerId)) >= policy.maxTokensPerOwner) {
          throw new PatinaError(
            'LIMIT_VIOLATION',
            `The owner already holds the maximum of ${policy.maxTokensPerOwner} personal access tokens`,
          );
        }
        if (await repos.pats.nameTaken({ ownerId: options.ownerId, name })) {
          throw nameConflict(name);
        }
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
          requireDpop: fields.requireDpop,
        });
        if (options.recovery) await rememberRecovery(repos, options.ownerId, id);
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
            ...(fields.requireDpop && { requireDpop: true }),
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
      requireDpop: fields.requireDpop,
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
    const changed = await this.#change(ctx, pat, after, expiryRuleOf(version));
    if ('pending' in changed) throw new Error('A request was made where a change was expected');
    return changed;
  }

  /** PATCH of the Patina resource: an RFC 7396 merge patch (pat-changes.ts, mergePatchView). */
  async mergePatch(
    ctx: RequestContext,
    id: string,
    patch: PatMergePatch & RequestFields,
  ): Promise<PersonalAccessToken | { pending: PatRequestRecord }> {
    const pat = authorizeChange(ctx, id, await this.#findLive(id), 'change');
    const { justification, ticketUrl, ...change } = patch;
    return this.#change(ctx, pat, mergePatchView(pat, change), 'defaulted', {
      kind: 'request',
      fields: { justification, ticketUrl },
      patch: change,
    });
  }

  /**
   * An approved SCOPE_CHANGE request: its merge patch applied to the PAT as it is now, checked
   * against every rule again. The approver's right to decide was checked by the caller; the
   * requester's right to change the PAT, when it was asked.
   */
  async changeApproved(
    ctx: RequestContext,
    request: PatRequestRecord,
    onWrite: OnWrite,
  ): Promise<PersonalAccessToken> {
    const pat = request.patId === null ? undefined : await this.#findLive(request.patId);
    if (!pat) {
      throw new PatinaError(
        'STATE_CONFLICT',
        `The personal access token of request '${request.id}' no longer exists: deny the request`,
      );
    }
    const after = mergePatchView(pat, request.input);
    const changed = await this.#change(ctx, pat, after, 'defaulted', { kind: 'approved', onWrite });
    if ('pending' in changed) throw new Error('A request was made where a change was expected');
    return changed;
  }

  /** Checks a changed view of `pat` against every rule, and stores what changed. */
  async #change(
    ctx: RequestContext,
    pat: PersonalAccessToken,
    after: PatChangeView,
    rule: ExpiryRule,
    approval: ApprovalMode = REFUSE,
  ): Promise<PersonalAccessToken | { pending: PatRequestRecord }> {
    const changes = checkedChanges(pat, after, rule, this.deps);
    if (changes.scope !== undefined) {
      const pending = await this.#gate.onScopeChange(ctx, pat, changes, approval);
      if (pending) return { pending };
    }
    if (Object.keys(changes).length === 0) {
      if (approval.kind === 'approved') {
        await this.deps.storage.transaction((repos) => approval.onWrite(repos, { patId: pat.id }));
      }
      return pat;
    }
    await writeNamed(changes.name ?? pat.name, () =>
      this.deps.storage.transaction(async (repos) => {
        if (approval.kind === 'approved') await approval.onWrite(repos, { patId: pat.id });
        if (changes.name) {
          const rename = { ownerId: pat.ownerId, name: changes.name, exceptId: pat.id };
          if (await repos.pats.nameTaken(rename)) throw nameConflict(changes.name);
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

  async #findLive(id: string): Promise<PersonalAccessToken | undefined> {
    return isIdShaped(id) ? this.deps.storage.repos.pats.findLive(id) : undefined;
  }
}
