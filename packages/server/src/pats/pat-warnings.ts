import type { PatWarning } from '@patina/contract';
import type { RightsModel } from '../identities/rights.js';

/**
 * What the caller of a create or change should know about a PAT with `scope` whose owner holds
 * `ownerRights` (docs/rules.md, "Granted scopes"): a PAT whose scopes are no right its owner holds
 * now is accepted, as SailPoint accepts it, but every exchange of it is refused, so the Patina
 * resource says so.
 */
export function scopeWarnings(
  scope: readonly string[],
  ownerRights: ReadonlySet<string>,
  rights: RightsModel,
): PatWarning[] {
  if (rights.grantable(scope, ownerRights).length > 0) return [];
  return [
    {
      code: 'GRANTS_NOTHING',
      field: 'scope',
      message:
        'None of these scopes is a right the owner holds, so every exchange of this PAT will be refused (invalid_scope) until the owner is given one of them',
    },
  ];
}
