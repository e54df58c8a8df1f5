import {
  TRUST_POLICIES_PATH,
  type CreateTrustPolicyRequest,
  type TrustPolicy,
  type TrustPolicyMergePatch,
} from '@patina/contract';
import type { Api } from '../api.js';
import type { RequestOptions } from '../http.js';
import { Collection } from './collection.js';

/**
 * Workload identity federation's trust policies (administration API: all-read to read,
 * all-manage to change). Each says which platform tokens (issuer, audience, claim conditions) are
 * traded at the token endpoint for an access token of one identity, with which scopes and for how
 * long. A policy holds no secret.
 */
export class TrustPolicies extends Collection<TrustPolicy> {
  constructor(api: Api) {
    super(api, { path: TRUST_POLICIES_PATH });
  }

  get(id: string, options: RequestOptions = {}): Promise<TrustPolicy> {
    return this.getOne(id, options);
  }

  /**
   * A new policy. With `template` (`github-actions`, `gitlab-ci`, `kubernetes`) the server fills
   * the issuer and the conditions that pin one workload from `templateParameters`.
   */
  create(body: CreateTrustPolicyRequest, options: RequestOptions = {}): Promise<TrustPolicy> {
    return this.createOne(body, options);
  }

  /**
   * An RFC 7396 merge patch (`conditions` is replaced whole, `jwksUri: null` goes back to the
   * discovery document). A change of issuer, key set, audience, conditions, identity or scope
   * ends the access tokens the policy issued before it; `enabled: false` stops it at once.
   */
  update(
    id: string,
    patch: TrustPolicyMergePatch,
    options: RequestOptions = {},
  ): Promise<TrustPolicy> {
    return this.patchOne(id, patch, options);
  }

  /** Deletes the policy; the access tokens it issued stop at once. */
  delete(id: string, options: RequestOptions = {}): Promise<void> {
    return this.deleteOne(id, options);
  }
}
