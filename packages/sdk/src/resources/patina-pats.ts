import {
  ADMIN_BASE,
  type PatinaCreatePatRequest,
  type PatinaCreatePatResponse,
  type PatinaListPatsQuery,
  type PatinaPat,
  type PatinaPatMergePatch,
  type RotatePatRequest,
} from '@patina/contract';
import { segment, type Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { allPages } from '../paging.js';
import type { ListPatsOptions } from './pat-options.js';

const PATH = `${ADMIN_BASE}/personal-access-tokens`;

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
export class PatinaPats {
  constructor(private readonly api: Api) {}

  /** One page (`limit` 0..250, default 250). */
  list(options: ListPatinaPatsOptions = {}): Promise<PatinaPat[]> {
    const { signal, ownerId, filters, sorters, limit, offset } = options;
    return this.api.call({
      method: 'GET',
      path: PATH,
      route: PATH,
      query: { 'owner-id': ownerId, filters, sorters, limit, offset },
      signal,
    });
  }

  /** Every match, page by page (`limit` is the page size). */
  iterate(options: ListPatinaPatsOptions = {}): AsyncGenerator<PatinaPat, void, undefined> {
    return allPages(options, (query) => this.list(query));
  }

  get(id: string, options: RequestOptions = {}): Promise<PatinaPat> {
    return this.api.call({
      method: 'GET',
      path: `${PATH}/${segment(id)}`,
      route: `${PATH}/{id}`,
      signal: options.signal,
    });
  }

  /** A new PAT for the caller, optionally with a description and allowedCidrs; holds its secret. */
  create(
    body: PatinaCreatePatRequest,
    options: RequestOptions = {},
  ): Promise<PatinaCreatePatResponse> {
    return this.api.call({
      method: 'POST',
      path: PATH,
      route: PATH,
      json: body,
      signal: options.signal,
    });
  }

  /** RFC 7396: a member sent replaces the value, `null` puts it back to its default. */
  update(id: string, patch: PatinaPatMergePatch, options: RequestOptions = {}): Promise<PatinaPat> {
    return this.api.call({
      method: 'PATCH',
      path: `${PATH}/${segment(id)}`,
      route: `${PATH}/{id}`,
      json: patch,
      contentType: 'application/merge-patch+json',
      signal: options.signal,
    });
  }

  async delete(id: string, options: RequestOptions = {}): Promise<void> {
    await this.api.call<undefined>({
      method: 'DELETE',
      path: `${PATH}/${segment(id)}`,
      route: `${PATH}/{id}`,
      signal: options.signal,
    });
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
    return this.api.call({
      method: 'POST',
      path: `${PATH}/${segment(id)}/rotate`,
      route: `${PATH}/{id}/rotate`,
      json: body,
      signal: options.signal,
    });
  }
}
