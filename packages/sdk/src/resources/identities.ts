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
import { segment, type Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { allPages, type PageOptions } from '../paging.js';

const PATH = `${ADMIN_BASE}/identities`;

/** Identities, the owners of PATs (administration API: all-read to read, all-manage to change). */
export class Identities {
  constructor(private readonly api: Api) {}

  list(options: PageOptions = {}): Promise<Identity[]> {
    const { signal, limit, offset } = options;
    return this.api.call({
      method: 'GET',
      path: PATH,
      route: PATH,
      query: { limit, offset },
      signal,
    });
  }

  iterate(options: PageOptions = {}): AsyncGenerator<Identity, void, undefined> {
    return allPages(options, (query) => this.list(query));
  }

  get(id: string, options: RequestOptions = {}): Promise<Identity> {
    return this.api.call({
      method: 'GET',
      path: `${PATH}/${segment(id)}`,
      route: `${PATH}/{id}`,
      signal: options.signal,
    });
  }

  create(body: CreateIdentityRequest, options: RequestOptions = {}): Promise<Identity> {
    return this.api.call({
      method: 'POST',
      path: PATH,
      route: PATH,
      json: body,
      signal: options.signal,
    });
  }

  /**
   * An RFC 7396 merge patch of name, roles, rights, status, email or ssoLink (the OpenID provider
   * account, `{ issuer, subject }`, whose SSO sign-ins are this identity; null removes it).
   */
  update(id: string, patch: IdentityMergePatch, options: RequestOptions = {}): Promise<Identity> {
    return this.api.call({
      method: 'PATCH',
      path: `${PATH}/${segment(id)}`,
      route: `${PATH}/{id}`,
      json: patch,
      contentType: 'application/merge-patch+json',
      signal: options.signal,
    });
  }

  /** A PAT for this identity, made by an administrator (optionally `managed`). */
  createPat(
    id: string,
    body: AdminCreatePatRequest,
    options: RequestOptions = {},
  ): Promise<CreatePatResponse> {
    return this.api.call({
      method: 'POST',
      path: `${PATH}/${segment(id)}/personal-access-tokens`,
      route: `${PATH}/{id}/personal-access-tokens`,
      json: body,
      signal: options.signal,
    });
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
    return this.api.call({
      method: 'POST',
      path: `${PATH}/${segment(id)}/offboard`,
      route: `${PATH}/{id}/offboard`,
      json: body,
      signal: options.signal,
    });
  }
}
