import { surfaceOf, type ApiVersion, type ExpiryRule } from '@patina/contract';

/**
 * Where a request comes in: a SailPoint API version (its expiry rule, its filter fields), or
 * Patina's own PAT resource, which defaults an absent expiry as v3 does and filters on more.
 */
export type PatSurface = ApiVersion | 'patina';

export function expiryRuleOf(surface: PatSurface): ExpiryRule {
  return surface === 'patina' ? 'defaulted' : surfaceOf(surface).expiryRule;
}
