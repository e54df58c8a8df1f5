import { PATINA_PATS_PATH, type PatinaPatMergePatch } from '@patina/contract';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { illegalValue, notFoundById, PatinaError } from '../core/errors.js';
import { DAY_MS } from '../core/time.js';
import type { Policy } from '../config/schema.js';
import type { RightsModel } from '../identities/rights.js';
import type { PatRequestRecord } from '../storage/pat-requests-repository.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import type { ApprovalMatch, ApprovalRules } from './approval-rules.js';
import type { CreatePatInput } from './create-input.js';
import type { PersonalAccessToken } from './model.js';
import { nameConflict } from './pat-names.js';
import { approvalRequired, openPatRequest } from './pat-requests.js';

/** Governance fields of the Patina resource: why, and the ticket (docs/governance.md). */
export interface RequestFields {
  justification?: string | undefined;
  ticketUrl?: string | null | undefined;
}

/** Runs first in the transaction that writes the PAT; throwing rolls the PAT back. */
export type OnWrite = (
  repos: Repositories,
  written: { patId: string; secret?: string },
) => Promise<void>;

/**
 * What an approval rule does to a create or a change: `refuse` on the SailPoint surfaces (they
 * carry no justification), `request` on the Patina resource (a request is made instead, of the
 * merge `patch` for a change), `approved`: an approver said yes and `onWrite` records it in the
 * same transaction; `none`: not held back at all (a recovery PAT).
 */
export type ApprovalMode =
  | { kind: 'refuse' }
  | { kind: 'request'; fields: RequestFields; patch?: PatinaPatMergePatch }
  | { kind: 'approved'; onWrite: OnWrite }
  | { kind: 'none' };

export const REFUSE: ApprovalMode = { kind: 'refuse' };
export const NOT_GATED: ApprovalMode = { kind: 'none' };

/**
 * Where `approval.rules` meet a create or a change of a PAT (docs/governance.md, "Approval"):
 * which rules bind, the lifetime they allow, and the PENDING request made instead of the PAT.
 * Patina itself (the bootstrap, local `patina-server` commands, whose operator holds the database
 * and the master key) is never held back: approval governs the API's callers.
 */
export class ApprovalGate {
  constructor(
    private readonly deps: {
      storage: Storage;
      audit: AuditLog;
      clock: Clock;
      rights: RightsModel;
      policy: Policy;
      approvals: ApprovalRules;
    },
  ) {}

  /**
   * A create of `fields` for `ownerId`: refused, made a request (returned), or let through with
   * its expiry capped (`fields` is changed in place).
   */
  async onCreate(
    ctx: RequestContext,
    create: {
      ownerId: string;
      input: CreatePatInput;
      fields: {
        name: string;
        scope: string[];
        expirationDate: string | null;
        userAwareTokenNeverExpires: boolean;
      };
      mode: ApprovalMode;
    },
  ): Promise<PatRequestRecord | undefined> {
    const { mode, fields, ownerId } = create;
    if (mode.kind === 'none' || ctx.actor.kind === 'system' || !this.deps.approvals.any) {
      return undefined;
    }
    const match = this.deps.approvals.match(fields.scope, await this.#ownerRights(ownerId));
    if (match.rules.length === 0) return undefined;
    if (mode.kind === 'refuse') throw approvalRequired(match.sensitive, PATINA_PATS_PATH);
    const now = this.deps.clock.now();
    this.#capExpiry(fields, create.input, this.deps.approvals.maxLifetimeDays(match), now);
    if (mode.kind !== 'request') return undefined;
    return this.#openCreateRequest(ctx, { ...create, match, request: mode.fields, now });
  }

  /**
   * A change adding a scope that needs approval: refused (SailPoint surfaces), made a request
   * (the Patina resource, returned), or let through (approved). Its expiry must fit the rules'
   * lifetime; a change keeping or dropping sensitive scopes needs nobody.
   */
  async onScopeChange(
    ctx: RequestContext,
    pat: PersonalAccessToken,
    changes: { scope?: string[]; expirationDate?: string | null },
    mode: ApprovalMode,
  ): Promise<PatRequestRecord | undefined> {
    const { approvals, storage } = this.deps;
    if (changes.scope === undefined || ctx.actor.kind === 'system' || !approvals.any) {
      return undefined;
    }
    const match = approvals.added(pat.scope, changes.scope, await this.#ownerRights(pat.ownerId));
    if (match.rules.length === 0 || mode.kind === 'none') return undefined;
    if (mode.kind === 'refuse') {
      throw approvalRequired(match.sensitive, `${PATINA_PATS_PATH}/${pat.id}`);
    }
    const maxDays = approvals.maxLifetimeDays(match);
    const expiry =
      changes.expirationDate !== undefined ? changes.expirationDate : pat.expirationDate;
    const now = this.deps.clock.now();
    if (maxDays !== null) {
      const cap = capOf(maxDays, now);
      if (expiry === null || expiry > cap) {
        throw tooLong(maxDays, cap, '; set it in the same change');
      }
    }
    if (mode.kind !== 'request' || mode.patch === undefined) return undefined;
    const patch = mode.patch;
    const approverIds = await approvals.approverIds(storage.repos.identities, match, [
      actorId(ctx),
      pat.ownerId,
    ]);
    return storage.transaction((repos) =>
      openPatRequest(repos, this.deps.audit, ctx, {
        kind: 'SCOPE_CHANGE',
        ownerId: pat.ownerId,
        patName: pat.name,
        scope: changes.scope ?? pat.scope,
        match,
        input: { ...patch },
        justification: mode.fields.justification,
        ticketUrl: mode.fields.ticketUrl,
        expirationDate: expiry,
        patId: pat.id,
        ttlHours: approvals.requestTtlHours(match),
        approverIds,
        now,
      }),
    );
  }

  /**
   * A PENDING request for the PAT `input` asks for. What can be told now is refused now (a name
   * taken, the owner limit reached); everything is checked again when an approver says yes.
   */
  async #openCreateRequest(
    ctx: RequestContext,
    ask: {
      input: CreatePatInput;
      fields: { name: string; scope: string[]; expirationDate: string | null };
      match: ApprovalMatch;
      ownerId: string;
      request: RequestFields;
      now: Date;
    },
  ): Promise<PatRequestRecord> {
    const { storage, audit, approvals, policy } = this.deps;
    const { fields, ownerId, match } = ask;
    const approverIds = await approvals.approverIds(storage.repos.identities, match, [
      actorId(ctx),
      ownerId,
    ]);
    return storage.transaction(async (repos) => {
      if (await repos.pats.nameTaken({ ownerId, name: fields.name })) {
        throw nameConflict(fields.name);
      }
      if ((await repos.pats.countLive(ownerId)) >= policy.maxTokensPerOwner) {
        throw new PatinaError(
          'LIMIT_VIOLATION',
          `The owner already holds the maximum of ${policy.maxTokensPerOwner} personal access tokens`,
        );
      }
      return openPatRequest(repos, audit, ctx, {
        kind: 'CREATE',
        ownerId,
        patName: fields.name,
        scope: fields.scope,
        match,
        input: { ...ask.input },
        justification: ask.request.justification,
        ticketUrl: ask.request.ticketUrl,
        expirationDate: fields.expirationDate,
        patId: null,
        ttlHours: approvals.requestTtlHours(match),
        approverIds,
        now: ask.now,
      });
    });
  }

  /** The owner's rights now: what `sp:scopes:all` stands for. */
  async #ownerRights(ownerId: string): Promise<Set<string>> {
    const owner = await this.deps.storage.repos.identities.findById(ownerId);
    if (!owner) throw notFoundById('Identity', ownerId);
    return this.deps.rights.rightsOf(owner);
  }

  /**
   * The expiry an approval rule allows: a given one past now + maxLifetimeDays is refused, a
   * defaulted one is shortened to it.
   */
  #capExpiry(
    fields: { expirationDate: string | null; userAwareTokenNeverExpires: boolean },
    given: {
      expirationDate?: string | null | undefined;
      userAwareTokenNeverExpires?: boolean | undefined;
    },
    maxLifetimeDays: number | null,
    now: Date,
  ): void {
    if (maxLifetimeDays === null) return;
    const cap = capOf(maxLifetimeDays, now);
    if (fields.expirationDate !== null && fields.expirationDate <= cap) return;
    if ((given.expirationDate ?? null) !== null || given.userAwareTokenNeverExpires === true) {
      throw tooLong(maxLifetimeDays, cap, '');
    }
    fields.expirationDate = cap;
    fields.userAwareTokenNeverExpires = false;
  }
}

/** The identity acting, or null for Patina itself. */
function actorId(ctx: RequestContext): string | null {
  return ctx.actor.kind === 'user' ? ctx.actor.identityId : null;
}

function capOf(maxLifetimeDays: number, now: Date): string {
  return new Date(now.getTime() + maxLifetimeDays * DAY_MS).toISOString();
}

function tooLong(maxLifetimeDays: number, cap: string, hint: string): PatinaError {
  return illegalValue(
    'expirationDate',
    `'expirationDate' must be at most ${maxLifetimeDays} days ahead (${cap}) for a PAT with a scope that needs approval (approval.rules)${hint}`,
  );
}
