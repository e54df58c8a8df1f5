import { isTrustPolicyId } from '@patina/contract';
import type { PatCredentialRecord } from '../pats/model.js';

interface CredentialLookup {
  findCredential(id: string): Promise<PatCredentialRecord | undefined>;
}

/**
 * PATs and trust policies (whose ids, `tp_…`, can never be a PAT's): the access tokens of a
 * federated exchange carry the policy as their client_id, so disabling or deleting the policy
 * ends them as deleting a PAT ends its own (docs/federation.md).
 */
export function federatedCredentials(
  pats: CredentialLookup,
  trustPolicies: CredentialLookup,
): CredentialLookup {
  return {
    findCredential: (id) =>
      isTrustPolicyId(id) ? trustPolicies.findCredential(id) : pats.findCredential(id),
  };
}
