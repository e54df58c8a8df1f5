import type { PatRequestKind, PatRequestStatus } from '@patina/contract';
import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { PatRequestsTable } from './governance-tables.js';
import { parseStringArray } from './json.js';

/** A request for a sensitive PAT (or a PAT's new sensitive scope), as stored. */
export interface PatRequestRecord {
  id: string;
  kind: PatRequestKind;
  status: PatRequestStatus;
  requesterId: string | null;
  requesterName: string;
  ownerId: string;
  patName: string;
  scope: string[];
  sensitiveScopes: string[];
  /** The create input or the merge patch as asked, checked again on approval. */
  input: Record<string, unknown>;
  justification: string;
  ticketUrl: string | null;
  expirationDate: string | null;
  patId: string | null;
  /** The approved PAT's secret, sealed; null once fetched, or before approval. */
  sealedSecret: string | null;
  secretAvailableUntil: string | null;
  expiresAt: string;
  decidedById: string | null;
  decidedByName: string | null;
  decidedAt: string | null;
  comment: string | null;
  created: string;
  modified: string;
}

/** What an approval writes: who decided, when, and (CREATE) the PAT and its sealed secret. */
export interface PatRequestDecision {
  id: string;
  status: 'APPROVED' | 'DENIED' | 'FULFILLED';
  decidedById: string | null;
  decidedByName: string;
  comment: string | null;
  now: string;
  patId?: string;
  sealedSecret?: string;
  secretAvailableUntil?: string;
}

/**
 * The approval requests. Every change of status is a conditional update from the status it
 * leaves, so two approvers (on two nodes) deciding one request cannot both win: the one whose
 * update changed no row is told so (false), and its transaction rolls back what it made.
 */
export class PatRequestsRepository {
  constructor(private readonly db: Db) {}

  async insert(request: PatRequestRecord): Promise<void> {
    await this.db
      .insertInto('pat_requests')
      .values({
        id: request.id,
        kind: request.kind,
        status: request.status,
        requester_id: request.requesterId,
        requester_name: request.requesterName,
        owner_id: request.ownerId,
        pat_name: request.patName,
        scope: JSON.stringify(request.scope),
        sensitive_scopes: JSON.stringify(request.sensitiveScopes),
        input: JSON.stringify(request.input),
        justification: request.justification,
        ticket_url: request.ticketUrl,
        expiration_date: request.expirationDate,
        pat_id: request.patId,
        sealed_secret: request.sealedSecret,
        secret_available_until: request.secretAvailableUntil,
        expires_at: request.expiresAt,
        decided_by_id: request.decidedById,
        decided_by_name: request.decidedByName,
        decided_at: request.decidedAt,
        comment: request.comment,
        created: request.created,
        modified: request.modified,
      })
      .execute();
  }

  async findById(id: string): Promise<PatRequestRecord | undefined> {
    const row = await this.db
      .selectFrom('pat_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * Requests in `status` (any when undefined) that `visibleTo` asked for, owns or decided, plus
   * every PENDING one (the caller filters those to the ones it may decide); every request when
   * `visibleTo` is null (an administrator). Newest first, at most `limit`.
   */
  async list(options: {
    status?: PatRequestStatus | undefined;
    visibleTo: string | null;
    limit: number;
  }): Promise<PatRequestRecord[]> {
    let query = this.db.selectFrom('pat_requests').selectAll();
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    const who = options.visibleTo;
    if (who !== null) {
      query = query.where((eb) =>
        eb.or([
          eb('requester_id', '=', who),
          eb('owner_id', '=', who),
          eb('decided_by_id', '=', who),
          eb('status', '=', 'PENDING'),
        ]),
      );
    }
    const rows = await query
      .orderBy('created', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * PENDING → APPROVED, DENIED or (a scope change, applied at once) FULFILLED, before the
   * request expires. False when another decision, or the expiry, came first.
   */
  async decide(decision: PatRequestDecision): Promise<boolean> {
    const result = await this.db
      .updateTable('pat_requests')
      .set({
        status: decision.status,
        modified: decision.now,
        decided_by_id: decision.decidedById,
        decided_by_name: decision.decidedByName,
        decided_at: decision.now,
        comment: decision.comment,
        ...(decision.patId !== undefined && { pat_id: decision.patId }),
        ...(decision.sealedSecret !== undefined && { sealed_secret: decision.sealedSecret }),
        ...(decision.secretAvailableUntil !== undefined && {
          secret_available_until: decision.secretAvailableUntil,
        }),
      })
      .where('id', '=', decision.id)
      .where('status', '=', 'PENDING')
      .where('expires_at', '>', decision.now)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * APPROVED → FULFILLED: the secret is taken, once, before its window ends, and erased. False
   * when it was taken already (or the window ended).
   */
  async takeSecret(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pat_requests')
      .set({
        status: 'FULFILLED',
        sealed_secret: null,
        secret_available_until: null,
        modified: now,
      })
      .where('id', '=', id)
      .where('status', '=', 'APPROVED')
      .where('secret_available_until', '>', now)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** PENDING requests unanswered at `now`: the housekeeping sweep expires them. */
  async pendingExpired(now: string, limit: number): Promise<PatRequestRecord[]> {
    const rows = await this.db
      .selectFrom('pat_requests')
      .selectAll()
      .where('status', '=', 'PENDING')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /** APPROVED requests whose secret nobody fetched before `now`. */
  async secretsLapsed(now: string, limit: number): Promise<PatRequestRecord[]> {
    const rows = await this.db
      .selectFrom('pat_requests')
      .selectAll()
      .where('status', '=', 'APPROVED')
      .where('secret_available_until', '<=', now)
      .orderBy('secret_available_until')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /** → EXPIRED from `from` (the secret erased); false when something else came first. */
  async expire(id: string, from: 'PENDING' | 'APPROVED', now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pat_requests')
      .set({ status: 'EXPIRED', sealed_secret: null, secret_available_until: null, modified: now })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

function toRecord(row: Selectable<PatRequestsTable>): PatRequestRecord {
  return {
    id: row.id,
    kind: row.kind as PatRequestKind,
    status: row.status as PatRequestStatus,
    requesterId: row.requester_id,
    requesterName: row.requester_name,
    ownerId: row.owner_id,
    patName: row.pat_name,
    scope: parseStringArray(row.scope),
    sensitiveScopes: parseStringArray(row.sensitive_scopes),
    input: JSON.parse(row.input) as Record<string, unknown>,
    justification: row.justification,
    ticketUrl: row.ticket_url,
    expirationDate: row.expiration_date,
    patId: row.pat_id,
    sealedSecret: row.sealed_secret,
    secretAvailableUntil: row.secret_available_until,
    expiresAt: row.expires_at,
    decidedById: row.decided_by_id,
    decidedByName: row.decided_by_name,
    decidedAt: row.decided_at,
    comment: row.comment,
    created: row.created,
    modified: row.modified,
  };
}
