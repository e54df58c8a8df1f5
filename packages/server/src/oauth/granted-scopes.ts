import { ALL_SCOPES, canonicalScope } from '@patina/contract';
import type { RightsModel } from '../identities/rights.js';
import type { PatCredentialRecord } from '../pats/model.js';
import { noGrantableScope, scopeNotGranted } from './errors.js';

/**
 * The credential's scopes ∩ its owner's rights now ∩ the requested scopes (docs/rules.md, "Granted
 * scopes"), for a PAT's exchange and a trust policy's alike.
 */
export function grantedScopes(
  rights: RightsModel,
  record: Pick<PatCredentialRecord, 'scope' | 'ownerRoles' | 'ownerRights'>,
  requested: string | undefined,
  credential: 'PAT' | 'trust policy' = 'PAT',
): string[] {
  const grantable = rights.grantable(
    record.scope,
    rights.rightsOf({ roles: record.ownerRoles, rights: record.ownerRights }),
  );
  // An empty grant helps nobody: the credential names only rights its owner does not hold (now).
  if (grantable.length === 0) {
    throw noGrantableScope(credential);
  }
  if (requested === undefined || requested.trim() === '') return grantable;
  const wanted = new Set(requested.trim().split(/\s+/).map(canonicalScope));
  if (wanted.has(ALL_SCOPES)) return grantable;
  const allowed = new Set(grantable);
  for (const scope of wanted) {
    if (!allowed.has(scope)) {
      throw scopeNotGranted(scope);
    }
  }
  return [...wanted].sort();
}
