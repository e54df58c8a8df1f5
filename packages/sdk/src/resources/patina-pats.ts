import {
  ADMIN_BASE,
  type PatinaCreatePatRequest,
  type PatinaCreatePatResponse,
  type PatinaListPatsQuery,
  type PatinaPat,
  type PatinaPatMergePatch,
  type PatRequest,
  type PatUsageResponse,
  type PendingPatResponse,
  type RotatePatRequest,
} from '@patina/contract';
import type { Api, ApiAnswer } from '../api.js';
import type { RequestOptions } from '../http.js';
import { Collection } from './collection.js';
import { patListFilters, type ListPatsOptions } from './pat-options.js';

export interface ListPatinaPatsOptions extends ListPatsOptions {
  /**
   * SailPoint's filter syntax over more fields than the SailPoint surfaces take: name, lastUsed,
   * expirationDate, created, managed and status (`status eq "EXPIRING"`).
   */
  filters?: PatinaListPatsQuery['filters'];
}

/**
 * What an approval rule (config `approval.rules`) holds back: no PAT was made (or changed) yet; an
 * approver must say yes to `pending` (a PAT request, PENDING) first. Follow it with
 * `client.patRequests.get(pending.id)`; once APPROVED, `patRequests.fetchSecret` answers the PAT
 * with its secret, once.
 */
export interface PendingPat {
  pending: PatRequest;
}

/** A create: the PAT with its secret (201), or the request waiting for an approver (202). */
export type PatinaCreatePatResult = PatinaCreatePatResponse | PendingPat;
/** A merge patch: the changed PAT, or (a sensitive scope added) the request waiting for it. */
export type PatinaPatUpdateResult = PatinaPat | PendingPat;

/** Whether a create or update was held back for approval: `if (isPending(result)) …`. */
export function isPending<T extends object>(result: T | PendingPat): result is PendingPat {
  return 'pending' in result;
}

export interface PatUsageOptions extends RequestOptions {
  /** How many UTC days back, 1..400 (server default 30). */
  days?: number;
}

/**
 * Patina's own PAT resource (`/patina/v1/personal-access-tokens`): the same tokens as the
 * SailPoint surfaces, with Patina's fields (description, allowedCidrs, status, lastUsedFrom,
 * rotatedAt, previousSecretValidUntil), RFC 7396 merge patches and rotation. The rights are the
 * SailPoint PAT rights.
 */
export class PatinaPats extends Collection<PatinaPat, ListPatinaPatsOptions> {
  constructor(api: Api) {
    super(api, { path: `${ADMIN_BASE}/personal-access-tokens`, filters: patListFilters });
  }

  get(id: string, options: RequestOptions = {}): Promise<PatinaPat> {
    return this.getOne(id, options);
  }

  /**
   * A new PAT for the caller, optionally with a description and allowedCidrs; holds its secret.
   * With a sensitive scope (an approval rule applies; `justification` is then required) no PAT
   * is made: the answer is `{ pending: PatRequest }` (HTTP 202), see `isPending`.
   */
  async create(
    body: PatinaCreatePatRequest,
    options: RequestOptions = {},
  ): Promise<PatinaCreatePatResult> {
    return held(
      await this.createOneAnswer<PatinaCreatePatResponse | PendingPatResponse>(body, options),
    );
  }

  /**
   * RFC 7396: a member sent replaces the value, `null` puts it back to its default. A patch that
   * adds a sensitive scope changes nothing yet: the answer is `{ pending: PatRequest }` (202).
   */
  async update(
    id: string,
    patch: PatinaPatMergePatch,
    options: RequestOptions = {},
  ): Promise<PatinaPatUpdateResult> {
    return held(await this.patchOneAnswer<PatinaPat | PendingPatResponse>(id, patch, options));
  }

  /** Exchanges per UTC day (succeeded, failed) over the last `days`, oldest first, zeros included. */
  usage(id: string, options: PatUsageOptions = {}): Promise<PatUsageResponse> {
    return this.getFrom(id, 'usage', { days: options.days }, options);
  }

  delete(id: string, options: RequestOptions = {}): Promise<void> {
    return this.deleteOne(id, options);
  }

  /**
   * A new secret for the same PAT (same id, scopes, expiry). The old secret keeps working for
   * `gracePeriodSeconds` (0..604800, default 0: it stops at once); rotating again ends an
   * earlier grace window at once. The answer holds the new secret: the only time it is shown.
   */
  rotate(
    id: string,
    body: RotatePatRequest = {},
    options: RequestOptions = {},
  ): Promise<PatinaCreatePatResponse> {
    return this.postTo(id, 'rotate', body, options);
  }
}

/** A 202 answers `{ request }`: it becomes `{ pending }`, which no PAT or PAT response has. */
function held<T>(answer: ApiAnswer<T | PendingPatResponse>): T | PendingPat {
  if (answer.status === 202) return { pending: (answer.body as PendingPatResponse).request };
  return answer.body as T;
}
