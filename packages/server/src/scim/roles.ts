import type { Config } from '../config/schema.js';
import type { RightsModel } from '../identities/rights.js';

/**
 * scim.groupRoles: an identity the directory made has USER plus the roles its groups map to
 * (names Patina does not know are left out; the config test warns of them). Sorted, so the same
 * membership always reads the same.
 */
export function rolesForGroups(
  groupNames: readonly string[],
  config: Config['scim'],
  rights: RightsModel,
): string[] {
  const roles = new Set(['USER']);
  for (const group of groupNames) {
    for (const role of config.groupRoles[group] ?? []) {
      if (rights.isKnownRole(role)) roles.add(role);
    }
  }
  return [...roles].sort();
}
