import {
  surfaceOf,
  type ApiVersion,
  type CreatePatRequest,
  type CreatePatResponse,
  type GetPatResponse,
  type JsonPatchOperation,
  type PatinaCreatePatResponse,
  type PatinaPat,
  type RotatePatRequest,
} from '@patina/contract';
import { segment, type Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { allPages } from '../paging.js';
import type { ListPatsOptions } from './pat-options.js';
import type { PatinaPats } from './patina-pats.js';

export type { ListPatsOptions } from './pat-options.js';

/**
 * The caller's personal access tokens (and others', with the all- rights), on one SailPoint API
 * surface. `get` and `rotate`, which SailPoint's API does not have, go to Patina's own resource
 * and answer its shape (see PatinaPats, `client.patinaPats`).
 */
export class Pats {
  readonly #path: string;

  constructor(
    private readonly api: Api,
    version: ApiVersion,
    private readonly patina: PatinaPats,
  ) {
    this.#path = surfaceOf(version).path;
  }

  /** One PAT, with Patina's fields (status, description, lastUsedFrom, …). */
  get(id: string, options: RequestOptions = {}): Promise<PatinaPat> {
    return this.patina.get(id, options);
  }

  /** A new secret for the PAT; the old one works on for `gracePeriodSeconds` (default 0). */
  rotate(
    id: string,
    body: RotatePatRequest = {},
    options: RequestOptions = {},
  ): Promise<PatinaCreatePatResponse> {
    return this.patina.rotate(id, body, options);
  }

  /** One page (`limit` 0..250, default 250). */
  list(options: ListPatsOptions = {}): Promise<GetPatResponse[]> {
    const { signal, ownerId, filters, sorters, limit, offset } = options;
    return this.api.call({
      method: 'GET',
      path: this.#path,
      route: this.#path,
      query: { 'owner-id': ownerId, filters, sorters, limit, offset },
      signal,
    });
  }

  /** Every match, page by page (`limit` is the page size): `for await (const pat of …)`. */
  iterate(options: ListPatsOptions = {}): AsyncGenerator<GetPatResponse, void, undefined> {
    return allPages(options, (query) => this.list(query));
  }

  /** A new PAT for the caller. The answer holds its secret: the only time it is shown. */
  create(body: CreatePatRequest, options: RequestOptions = {}): Promise<CreatePatResponse> {
    return this.api.call({
      method: 'POST',
      path: this.#path,
      route: this.#path,
      json: body,
      signal: options.signal,
    });
  }

  /** An RFC 6902 JSON Patch of `name`, `scope`, `expirationDate`, applied all or nothing. */
  update(
    id: string,
    patch: JsonPatchOperation[],
    options: RequestOptions = {},
  ): Promise<GetPatResponse> {
    return this.api.call({
      method: 'PATCH',
      path: `${this.#path}/${segment(id)}`,
      route: `${this.#path}/{id}`,
      json: patch,
      contentType: 'application/json-patch+json',
      signal: options.signal,
    });
  }

  /** Deletes the PAT; access tokens minted from it stop working on Patina's API at once. */
  async delete(id: string, options: RequestOptions = {}): Promise<void> {
    await this.api.call<undefined>({
      method: 'DELETE',
      path: `${this.#path}/${segment(id)}`,
      route: `${this.#path}/{id}`,
      signal: options.signal,
    });
  }
}
