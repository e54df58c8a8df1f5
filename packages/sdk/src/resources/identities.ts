import {
  ADMIN_BASE,
  type AdminCreatePatRequest,
  type CreateIdentityRequest,
  type CreatePatResponse,
  type Identity,
  type IdentityMergePatch,
  type OffboardRequest,
  type OffboardResponse,
} from '@patina/contract';
import type { Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { Collection } from './collection.js';

/** Identities, the owners of PATs (administration API: all-read to read, all-manage to change). */
export class Identities extends Collection<Identity> {
  constructor(api: Api) {
    super(api, { path: `${ADMIN_BASE}/identities` });
  }

  get(id: string, options: RequestOptions = {}): Promise<Identity> {
    return this.getOne(id, options);
  }

  create(body: CreateIdentityRequest, options: RequestOptions = {}): Promise<Identity> {
    return this.createOne(body, options);
  }

  /**
   * An RFC 7396 merge patch of name, roles, rights, status, email or ssoLink (the OpenID provider
   * account, `{ issuer, subject }`, whose SSO sign-ins are this identity; null removes it).
   */
  update(id: string, patch: IdentityMergePatch, options: RequestOptions = {}): Promise<Identity> {
    return this.patchOne(id, patch, options);
  }

  /** A PAT for this identity, made by an administrator (optionally `managed`). */
  createPat(
    id: string,
    body: AdminCreatePatRequest,
    options: RequestOptions = {},
  ): Promise<CreatePatResponse> {
    return this.postTo(id, 'personal-access-tokens', body, options);
  }

  /**
   * Revokes every PAT of the identity (managed ones too) and disables it, in one transaction
   * (all-manage). `dryRun: true` changes nothing and answers what would be revoked;
   * `disable: false` revokes the PATs and keeps the identity enabled.
   */
  offboard(
    id: string,
    body: OffboardRequest = {},
    options: RequestOptions = {},
  ): Promise<OffboardResponse> {
    return this.postTo(id, 'offboard', body, options);
  }
}
