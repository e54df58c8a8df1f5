import { PAT_REQUEST_ID_PREFIX, type PatRequest, type PatRequestKind } from '@patina/contract';
import type { RequestContext } from '../access/context.js';
import type { AuditLog } from '../audit/audit-log.js';
import { PatinaError, requiredMissing } from '../core/errors.js';
import { randomHexId } from '../core/ids.js';
import type { PatRequestRecord } from '../storage/pat-requests-repository.js';
import type { Repositories } from '../storage/repositories.js';
import type { ApprovalMatch } from './approval-rules.js';

/** What a create or change held for approval asks for, before it is stored. */
export interface PatRequestDraft {
  kind: PatRequestKind;
  ownerId: string;
  patName: string;
  scope: string[];
  match: ApprovalMatch;
  /** The create input or merge patch as asked (without justification and ticketUrl). */
  input: Record<string, unknown>;
  justification: string | undefined;
  ticketUrl: string | null | undefined;
  expirationDate: string | null;
  patId: string | null;
  ttlHours: number;
  /** Who may approve, for the notification (≤ 50 ids). */
  approverIds: string[];
  now: Date;
}

const HOUR_MS = 3_600_000;

/** The request's id: `prq_` and 32 hex digits. */
export function newPatRequestId(): string {
  return `${PAT_REQUEST_ID_PREFIX}${randomHexId()}`;
}

/** A justification is what an approver decides on: required whenever a rule applies. */
export function requireJustification(justification: string | undefined): string {
  const text = justification?.trim() ?? '';
  if (text.length === 0) throw requiredMissing('justification');
  return text;
}

/**
 * The SailPoint surfaces carry no justification, so they cannot ask: they answer SailPoint's
 * error body, whose message says which scopes need approval and where to ask for them.
 */
export function approvalRequired(sensitive: readonly string[], where: string): PatinaError {
  return new PatinaError(
    'APPROVAL_REQUIRED',
    `Scope ${sensitive.map((s) => `'${s}'`).join(', ')} needs an approver's yes (approval.rules): ask with a justification at ${where} (patina pat create --justification, or the console); an approver decides under /patina/v1/pat-requests`,
    { field: 'scope' },
  );
}

/** Writes the request and its PAT_REQUEST_CREATED event in the caller's transaction. */
export async function openPatRequest(
  repos: Repositories,
  audit: AuditLog,
  ctx: RequestContext,
  draft: PatRequestDraft,
): Promise<PatRequestRecord> {
  const now = draft.now.toISOString();
  const requester =
    ctx.actor.kind === 'user'
      ? { id: ctx.actor.identityId, name: ctx.actor.identityName }
      : { id: null, name: ctx.actor.name };
  const record: PatRequestRecord = {
    id: newPatRequestId(),
    kind: draft.kind,
    status: 'PENDING',
    requesterId: requester.id,
    requesterName: requester.name,
    ownerId: draft.ownerId,
    patName: draft.patName,
    scope: draft.scope,
    sensitiveScopes: draft.match.sensitive,
    input: draft.input,
    justification: requireJustification(draft.justification),
    ticketUrl: draft.ticketUrl ?? null,
    expirationDate: draft.expirationDate,
    patId: draft.patId,
    sealedSecret: null,
    secretAvailableUntil: null,
    expiresAt: new Date(draft.now.getTime() + draft.ttlHours * HOUR_MS).toISOString(),
    decidedById: null,
    decidedByName: null,
    decidedAt: null,
    comment: null,
    created: now,
    modified: now,
  };
  await repos.patRequests.insert(record);
  await audit.record(repos, {
    type: 'PAT_REQUEST_CREATED',
    context: ctx.audit,
    target: { type: 'PAT_REQUEST', id: record.id, name: record.patName },
    details: {
      kind: record.kind,
      ownerId: record.ownerId,
      requesterId: record.requesterId,
      ...(record.patId !== null && { patId: record.patId }),
      sensitiveScopes: record.sensitiveScopes,
      approverIds: draft.approverIds,
    },
  });
  return record;
}

/** The request on the wire; `ownerName` looked up by the caller, `canDecide` for the caller. */
export function patRequestView(
  record: PatRequestRecord,
  extra: { ownerName: string; canDecide: boolean },
): PatRequest {
  return {
    id: record.id,
    kind: record.kind,
    status: record.status,
    requester: { id: record.requesterId, name: record.requesterName },
    owner: { id: record.ownerId, name: extra.ownerName },
    name: record.patName,
    scope: record.scope,
    sensitiveScopes: record.sensitiveScopes,
    justification: record.justification,
    ticketUrl: record.ticketUrl,
    expirationDate: record.expirationDate,
    patId: record.patId,
    created: record.created,
    expiresAt: record.expiresAt,
    decidedBy:
      record.decidedByName === null ? null : { id: record.decidedById, name: record.decidedByName },
    decidedAt: record.decidedAt,
    comment: record.comment,
    secretAvailableUntil: record.secretAvailableUntil,
    canDecide: extra.canDecide,
  };
}
