import {
  ADMIN_BASE,
  type PatinaCreatePatRequest,
  type PatinaCreatePatResponse,
  type PatinaListPatsQuery,
  type PatinaPat,
  type PatinaPatMergePatch,
  type RotatePatRequest,
} from '@patina/contract';
import type { Api } from '../api.js';
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

  /** A new PAT for the caller, optionally with a description and allowedCidrs; holds its secret. */
  create(
    body: PatinaCreatePatRequest,
    options: RequestOptions = {},
  ): Promise<PatinaCreatePatResponse> {
    return this.createOne(body, options);
  }

  /** RFC 7396: a member sent replaces the value, `null` puts it back to its default. */
  update(id: string, patch: PatinaPatMergePatch, options: RequestOptions = {}): Promise<PatinaPat> {
    return this.patchOne(id, patch, options);
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
