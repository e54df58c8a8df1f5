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
import type { Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { Collection } from './collection.js';
import { patListFilters, type ListPatsOptions } from './pat-options.js';
import type { PatinaPats } from './patina-pats.js';

export type { ListPatsOptions } from './pat-options.js';

/**
 * The caller's personal access tokens (and others', with the all- rights), on one SailPoint API
 * surface. `get` and `rotate`, which SailPoint's API does not have, go to Patina's own resource
 * and answer its shape (see PatinaPats, `client.patinaPats`).
 */
export class Pats extends Collection<GetPatResponse, ListPatsOptions> {
  constructor(
    api: Api,
    version: ApiVersion,
    private readonly patina: PatinaPats,
  ) {
    super(api, { path: surfaceOf(version).path, filters: patListFilters });
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

  /** A new PAT for the caller. The answer holds its secret: the only time it is shown. */
  create(body: CreatePatRequest, options: RequestOptions = {}): Promise<CreatePatResponse> {
    return this.createOne(body, options);
  }

  /** An RFC 6902 JSON Patch of `name`, `scope`, `expirationDate`, applied all or nothing. */
  update(
    id: string,
    patch: JsonPatchOperation[],
    options: RequestOptions = {},
  ): Promise<GetPatResponse> {
    return this.patchOne(id, patch, options, 'application/json-patch+json');
  }

  /** Deletes the PAT; access tokens minted from it stop working on Patina's API at once. */
  delete(id: string, options: RequestOptions = {}): Promise<void> {
    return this.deleteOne(id, options);
  }
}
