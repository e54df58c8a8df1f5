import {
  PAT_REQUEST_ID_PREFIX,
  PAT_REQUEST_STATUSES,
  hasPrefixedIdShape,
  type Identity,
  type PatRequest,
  type PatRequestStatus,
} from '@patina/contract';
import type { RequestContext } from '../access/context.js';
import { authorize, may, refuseDelegated } from '../access/authorize.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { forbidden, notFound, PatinaError } from '../core/errors.js';
import { SealedBox } from '../core/sealed-box.js';
import { HOUR_MS } from '../core/time.js';
import type { PatRequestRecord } from '../storage/pat-requests-repository.js';
import type { Repositories, Storage } from '../storage/repositories.js';
import type { ApprovalRules } from './approval-rules.js';
import type { CreatedPat, PatService } from './pat-service.js';
import { patRequestView } from './pat-requests.js';

/** How many requests a list looks at before it pages: pending requests are few. */
const MAX_LISTED = 1000;
/** How many expired requests one housekeeping pass handles. */
const SWEEP_BATCH = 500;

export interface ApprovalServiceDeps {
  storage: Storage;
  audit: AuditLog;
  clock: Clock;
  approvals: ApprovalRules;
  pats: PatService;
  masterKey: Buffer;
  /** approval.secretWindowHours */
  secretWindowHours: number;
}

/**
 * The approval requests of `approval.rules` (docs/governance.md): who sees them, who decides
 * them, the one fetch of an approved PAT's secret, and their expiry. An approver is named by the
 * rules, never the requester or the owner, never through a delegated token; the PAT an approval
 * makes is checked against every rule at that moment, in the transaction that records the yes.
 */
export class ApprovalService {
  readonly #secrets: SealedBox;

  constructor(private readonly deps: ApprovalServiceDeps) {
    this.#secrets = new SealedBox(deps.masterKey, 'patina pat-request secret');
  }

  /** Requests the caller asked for, owns or decided, and the pending ones it may decide. */
  async list(
    ctx: RequestContext,
    query: { status?: string | undefined; limit: number; offset: number },
  ): Promise<{ items: PatRequest[]; total: number }> {
    authorize(ctx, 'readOwn', 'Listing approval requests');
    const status = parseStatus(query.status);
    const everyone = may(ctx.actor, 'readAll');
    const me = callerId(ctx);
    const records = await this.deps.storage.repos.patRequests.list({
      status,
      visibleTo: everyone ? null : (me ?? ''),
      limit: MAX_LISTED,
    });
    // The caller and each owner are read once for the whole list, not once a request.
    const approver = await this.#approver(ctx);
    const ownerNames = new Map<string, string>();
    const visible: PatRequest[] = [];
    for (const record of records) {
      const canDecide = this.#canDecideAs(ctx, approver, record);
      if (everyone || canDecide || involves(record, me)) {
        visible.push(await this.#view(record, canDecide, ownerNames));
      }
    }
    return {
      items: visible.slice(query.offset, query.offset + query.limit),
      total: visible.length,
    };
  }

  async get(ctx: RequestContext, id: string): Promise<PatRequest> {
    authorize(ctx, 'readOwn', 'Reading an approval request');
    const record = await this.#visible(ctx, id);
    return this.#view(record, await this.#canDecide(ctx, record));
  }

  /** An approver's yes: the PAT is made (CREATE) or changed (SCOPE_CHANGE) in this transaction. */
  async approve(ctx: RequestContext, id: string, comment: string | undefined): Promise<PatRequest> {
    const record = await this.#decidable(ctx, id);
    const now = this.deps.clock.now();
    const decided = {
      id: record.id,
      decidedById: callerId(ctx),
      decidedByName: callerName(ctx),
      comment: comment?.trim() || null,
      now: now.toISOString(),
    };
    const approved = (repos: Repositories, patId: string, extra: Record<string, unknown>) =>
      this.deps.audit.record(
        repos,
        requestEvent('PAT_REQUEST_APPROVED', record, ctx.audit, { patId, ...extra }),
      );
    if (record.kind === 'CREATE') {
      const until = new Date(now.getTime() + this.deps.secretWindowHours * HOUR_MS).toISOString();
      await this.deps.pats.createApproved(ctx, record, async (repos, written) => {
        const sealedSecret = this.#secrets.seal(written.secret ?? '', record.id);
        const won = await repos.patRequests.decide({
          ...decided,
          status: 'APPROVED',
          patId: written.patId,
          sealedSecret,
          secretAvailableUntil: until,
        });
        if (!won) throw alreadyDecided(record.id);
        await approved(repos, written.patId, { secretAvailableUntil: until });
      });
    } else {
      await this.deps.pats.changeApproved(ctx, record, async (repos, written) => {
        const won = await repos.patRequests.decide({ ...decided, status: 'FULFILLED' });
        if (!won) throw alreadyDecided(record.id);
        await approved(repos, written.patId, { scope: record.scope });
      });
    }
    return this.#reread(ctx, record.id);
  }

  /** An approver's no: nothing is made. */
  async deny(ctx: RequestContext, id: string, comment: string): Promise<PatRequest> {
    const record = await this.#decidable(ctx, id);
    await this.deps.storage.transaction(async (repos) => {
      const won = await repos.patRequests.decide({
        id: record.id,
        status: 'DENIED',
        decidedById: callerId(ctx),
        decidedByName: callerName(ctx),
        comment: comment.trim(),
        now: this.deps.clock.now().toISOString(),
      });
      if (!won) throw alreadyDecided(record.id);
      await this.deps.audit.record(
        repos,
        requestEvent('PAT_REQUEST_DENIED', record, ctx.audit, { comment: comment.trim() }),
      );
    });
    return this.#reread(ctx, record.id);
  }

  /**
   * The approved PAT with its secret, to the requester, once: the secret is erased in the same
   * transaction, so a second fetch (on any node) finds nothing and is answered 409.
   */
  async fetchSecret(ctx: RequestContext, id: string): Promise<CreatedPat> {
    authorize(ctx, 'readOwn', 'Fetching an approved secret');
    refuseDelegated(ctx, 'Fetching the secret of a personal access token');
    const record = await this.#visible(ctx, id);
    const me = callerId(ctx);
    if (me === null || me !== record.requesterId) {
      throw forbidden(
        `Only the requester of '${record.id}' can fetch the secret of the PAT it made`,
        'sp:my-personal-access-tokens:read',
      );
    }
    if (record.kind !== 'CREATE') {
      throw conflictOf(`Request '${record.id}' changed a scope: it has no secret`);
    }
    const now = this.deps.clock.now().toISOString();
    if (
      record.status !== 'APPROVED' ||
      record.sealedSecret === null ||
      record.patId === null ||
      (record.secretAvailableUntil ?? '') <= now
    ) {
      throw conflictOf(secretGone(record));
    }
    const patId = record.patId;
    const sealed = record.sealedSecret;
    const pat = await this.deps.storage.transaction(async (repos) => {
      if (!(await repos.patRequests.takeSecret(record.id, now))) {
        throw conflictOf(secretGone({ ...record, status: 'FULFILLED' }));
      }
      const made = await repos.pats.findLive(patId);
      if (!made) {
        throw conflictOf(`The personal access token of request '${record.id}' no longer exists`);
      }
      await this.deps.audit.record(
        repos,
        requestEvent('PAT_REQUEST_FULFILLED', record, ctx.audit, { patId }),
      );
      return made;
    });
    return { pat, secret: this.#secrets.open(sealed, record.id) };
  }

  /**
   * The housekeeping pass: a pending request nobody answered in time expires; an approved PAT
   * whose secret nobody fetched in time is deleted unused and its request expires. Each change is
   * conditional, so two nodes sweeping at once do each once.
   */
  async sweep(): Promise<{ expired: number; secretsLapsed: number }> {
    const { storage, audit, clock } = this.deps;
    const now = clock.now().toISOString();
    const context = {
      actorId: null,
      actorName: 'patina',
      sourceIp: null,
      userAgent: null,
      trackingId: null,
    };
    let expired = 0;
    for (const record of await storage.repos.patRequests.pendingExpired(now, SWEEP_BATCH)) {
      await storage.transaction(async (repos) => {
        if (!(await repos.patRequests.expire(record.id, 'PENDING', now))) return;
        expired += 1;
        await audit.record(
          repos,
          requestEvent('PAT_REQUEST_EXPIRED', record, context, { stage: 'PENDING' }),
        );
      });
    }
    let secretsLapsed = 0;
    for (const record of await storage.repos.patRequests.secretsLapsed(now, SWEEP_BATCH)) {
      await storage.transaction(async (repos) => {
        if (!(await repos.patRequests.expire(record.id, 'APPROVED', now))) return;
        secretsLapsed += 1;
        if (record.patId !== null && (await repos.pats.markDeleted(record.patId, now))) {
          await audit.record(repos, {
            type: 'PERSONAL_ACCESS_TOKEN_DELETED',
            context,
            target: { type: 'PERSONAL_ACCESS_TOKEN', id: record.patId, name: record.patName },
            details: {
              ownerId: record.ownerId,
              reason: 'SECRET_NOT_FETCHED',
              requestId: record.id,
            },
          });
        }
        await audit.record(
          repos,
          requestEvent('PAT_REQUEST_EXPIRED', record, context, { stage: 'SECRET' }),
        );
      });
    }
    return { expired, secretsLapsed };
  }

  /** The 202 answer of a create or change that was made a request (by its requester). */
  async pending(record: PatRequestRecord): Promise<{ request: PatRequest }> {
    return { request: await this.#view(record, false) };
  }

  /** The request, when the caller may see it: 404 otherwise, as for a missing one. */
  async #visible(ctx: RequestContext, id: string): Promise<PatRequestRecord> {
    const record = hasPrefixedIdShape(id, PAT_REQUEST_ID_PREFIX)
      ? await this.deps.storage.repos.patRequests.findById(id)
      : undefined;
    if (
      record &&
      (may(ctx.actor, 'readAll') ||
        involves(record, callerId(ctx)) ||
        (await this.#mayApprove(ctx, record)))
    ) {
      return record;
    }
    throw notFound(
      hasPrefixedIdShape(id, PAT_REQUEST_ID_PREFIX)
        ? `Approval request '${id}' was not found`
        : `Approval request was not found: the id is not 'prq_' and 32 lowercase hex characters`,
    );
  }

  /** The request, when the caller may decide it now; 403 or 409 saying why not. */
  async #decidable(ctx: RequestContext, id: string): Promise<PatRequestRecord> {
    authorize(ctx, 'readOwn', 'Deciding an approval request');
    refuseDelegated(ctx, 'Deciding an approval request');
    const record = await this.#visible(ctx, id);
    const me = callerId(ctx);
    if (me !== null && (me === record.requesterId || me === record.ownerId)) {
      throw forbidden(
        `Request '${record.id}' cannot be approved or denied by its ${me === record.requesterId ? 'requester' : 'owner'}: someone else must decide`,
        'sp:my-personal-access-tokens:read',
      );
    }
    if (!(await this.#mayApprove(ctx, record))) {
      throw forbidden(
        `Only an approver named by approval.rules for ${record.sensitiveScopes.join(', ')} may decide request '${record.id}'`,
        'sp:my-personal-access-tokens:read',
      );
    }
    const now = this.deps.clock.now().toISOString();
    if (record.status !== 'PENDING') throw alreadyDecided(record.id, record.status);
    if (record.expiresAt <= now) throw alreadyDecided(record.id, 'EXPIRED');
    return record;
  }

  /** The caller as an approver: an active identity acting with a token of its own (not delegated). */
  async #approver(ctx: RequestContext): Promise<Identity | undefined> {
    const actor = ctx.actor;
    if (actor.kind !== 'user' || actor.delegated === true) return undefined;
    const identity = await this.deps.storage.repos.identities.findById(actor.identityId);
    return identity?.status === 'ACTIVE' ? identity : undefined;
  }

  /** Whether the caller is an approver of the request's scopes (whatever its status). */
  async #mayApprove(ctx: RequestContext, record: PatRequestRecord): Promise<boolean> {
    return this.#mayApproveAs(ctx, await this.#approver(ctx), record);
  }

  #mayApproveAs(
    ctx: RequestContext,
    approver: Identity | undefined,
    record: PatRequestRecord,
  ): boolean {
    if (!approver || approver.id === record.requesterId || approver.id === record.ownerId) {
      return false;
    }
    const { approvals } = this.deps;
    const match = approvals.match(record.sensitiveScopes, new Set());
    // A rule removed from the config since: nobody is named to decide; administrators may.
    if (match.rules.length === 0) return may(ctx.actor, 'manageAll');
    return approvals.mayApprove(match, approvals.approverOf(approver));
  }

  async #canDecide(ctx: RequestContext, record: PatRequestRecord): Promise<boolean> {
    return this.#canDecideAs(ctx, await this.#approver(ctx), record);
  }

  #canDecideAs(
    ctx: RequestContext,
    approver: Identity | undefined,
    record: PatRequestRecord,
  ): boolean {
    if (record.status !== 'PENDING') return false;
    if (record.expiresAt <= this.deps.clock.now().toISOString()) return false;
    return this.#mayApproveAs(ctx, approver, record);
  }

  async #reread(ctx: RequestContext, id: string): Promise<PatRequest> {
    const record = await this.deps.storage.repos.patRequests.findById(id);
    if (!record) throw notFound(`Approval request '${id}' was not found`);
    return this.#view(record, false);
  }

  async #view(
    record: PatRequestRecord,
    canDecide: boolean,
    ownerNames = new Map<string, string>(),
  ): Promise<PatRequest> {
    let ownerName = ownerNames.get(record.ownerId);
    if (ownerName === undefined) {
      const owner = await this.deps.storage.repos.identities.findById(record.ownerId);
      ownerName = owner?.name ?? '';
      ownerNames.set(record.ownerId, ownerName);
    }
    const now = this.deps.clock.now().toISOString();
    // Expired but not yet swept: shown as it will be.
    const shown: PatRequestRecord =
      record.status === 'PENDING' && record.expiresAt <= now
        ? { ...record, status: 'EXPIRED' }
        : record;
    return patRequestView(shown, { ownerName, canDecide });
  }
}

function callerId(ctx: RequestContext): string | null {
  return ctx.actor.kind === 'user' ? ctx.actor.identityId : null;
}

function callerName(ctx: RequestContext): string {
  return ctx.actor.kind === 'user' ? ctx.actor.identityName : ctx.actor.name;
}

function involves(record: PatRequestRecord, who: string | null): boolean {
  return (
    who !== null &&
    (record.requesterId === who || record.ownerId === who || record.decidedById === who)
  );
}

function parseStatus(raw: string | undefined): PatRequestStatus | undefined {
  if (raw === undefined) return undefined;
  const upper = raw.toUpperCase();
  return PAT_REQUEST_STATUSES.find((s) => s === upper);
}

function conflictOf(message: string): PatinaError {
  return new PatinaError('STATE_CONFLICT', message);
}

function alreadyDecided(id: string, status?: string): PatinaError {
  return conflictOf(
    status === 'EXPIRED'
      ? `Request '${id}' has expired: nothing can be decided; ask again`
      : `Request '${id}' was already decided${status ? ` (${status})` : ''}`,
  );
}

function secretGone(record: PatRequestRecord): string {
  switch (record.status) {
    case 'FULFILLED':
      return `The secret of request '${record.id}' was fetched already: it is shown once; rotate the PAT for a new one`;
    case 'PENDING':
      return `Request '${record.id}' is not approved yet`;
    case 'APPROVED':
    case 'EXPIRED':
      return `The secret of request '${record.id}' was not fetched in time and the PAT was deleted; ask again`;
    default:
      return `Request '${record.id}' was ${record.status.toLowerCase()}: nothing was made`;
  }
}

/**
 * A request's audit event: its kind, owner and requester, and what this step adds (the PAT, the
 * comment, the stage of an expiry). The notifications read these details (docs/governance.md).
 */
function requestEvent(
  type:
    'PAT_REQUEST_APPROVED' | 'PAT_REQUEST_DENIED' | 'PAT_REQUEST_EXPIRED' | 'PAT_REQUEST_FULFILLED',
  record: PatRequestRecord,
  context: RequestContext['audit'],
  extra: Record<string, unknown>,
) {
  return {
    type,
    context,
    target: { type: 'PAT_REQUEST' as const, id: record.id, name: record.patName },
    details: {
      kind: record.kind,
      ownerId: record.ownerId,
      requesterId: record.requesterId,
      ...(record.patId !== null && { patId: record.patId }),
      ...extra,
    },
  };
}
