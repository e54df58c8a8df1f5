import type { ExpiryRule, PatinaPatMergePatch } from '@patina/contract';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../config/schema.js';
import type { RightsModel } from '../identities/rights.js';
import type { PatChanges } from '../storage/pats-repository.js';
import { checkAllowedCidrs } from './allowed-cidrs.js';
import { checkDescription, checkName, checkScope } from './create-input.js';
import { checkRuleLimits, resolveExpiry } from './expiry.js';
import type { PersonalAccessToken } from './model.js';
import type { PatchableView } from './patch.js';
import { ruleBoundsFor } from './policy-rules.js';

/** A PAT as a change leaves it, before the rules are checked: what PATCH and merge patch make. */
export interface PatChangeView extends PatchableView {
  description?: string;
  allowedCidrs?: string[] | null;
  requireDpop?: boolean;
}

/** RFC 7396 merge patch of the Patina resource: the contract's, as its schema validates it. */
export type PatMergePatch = PatinaPatMergePatch;

/** The members of `pat` a JSON Patch may touch. */
export function patchableView(pat: PersonalAccessToken): PatchableView {
  return {
    name: pat.name,
    scope: pat.scope,
    expirationDate: pat.expirationDate,
    userAwareTokenNeverExpires: pat.userAwareTokenNeverExpires,
  };
}

/**
 * `pat` as a merge patch leaves it. A member sent replaces the value; null puts it back to its
 * default (the default scope, no description, from anywhere, the default expiry); an absent
 * member stays as it is.
 */
export function mergePatchView(pat: PersonalAccessToken, patch: PatMergePatch): PatChangeView {
  const after: PatChangeView = {
    ...patchableView(pat),
    description: pat.description,
    allowedCidrs: pat.allowedCidrs,
    requireDpop: pat.requireDpop,
  };
  if (patch.name !== undefined) after.name = patch.name;
  if (patch.scope !== undefined) after.scope = patch.scope;
  if (patch.description !== undefined) after.description = patch.description ?? '';
  if (patch.allowedCidrs !== undefined) after.allowedCidrs = patch.allowedCidrs;
  if (patch.requireDpop !== undefined) after.requireDpop = patch.requireDpop ?? false;
  if (patch.expirationDate !== undefined) after.expirationDate = patch.expirationDate;
  if (patch.userAwareTokenNeverExpires !== undefined) {
    after.userAwareTokenNeverExpires = patch.userAwareTokenNeverExpires ?? false;
  }
  return after;
}

/**
 * What differs between `pat` and its changed view `after`, each changed member checked against
 * every rule (names, scopes, descriptions, addresses, expiry under `rule` and the policy rules
 * that bind the scope); empty when nothing changed.
 */
export function checkedChanges(
  pat: PersonalAccessToken,
  after: PatChangeView,
  rule: ExpiryRule,
  deps: { rights: RightsModel; policy: Policy; clock: Clock },
): PatChanges {
  const before = patchableView(pat);
  const changes: PatChanges = {};
  if (after.name !== before.name) changes.name = checkName(after.name);
  if (JSON.stringify(after.scope) !== JSON.stringify(before.scope)) {
    changes.scope = checkScope(after.scope, deps.rights);
  }
  if (after.description !== undefined && after.description !== pat.description) {
    changes.description = checkDescription(after.description);
  }
  if (
    after.allowedCidrs !== undefined &&
    JSON.stringify(after.allowedCidrs) !== JSON.stringify(pat.allowedCidrs)
  ) {
    const cidrs = checkAllowedCidrs(after.allowedCidrs);
    if (JSON.stringify(cidrs) !== JSON.stringify(pat.allowedCidrs)) changes.allowedCidrs = cidrs;
  }
  if (after.requireDpop !== undefined && after.requireDpop !== pat.requireDpop) {
    changes.requireDpop = after.requireDpop;
  }
  const rules = ruleBoundsFor(changes.scope ?? pat.scope, deps.policy.rules);
  if (
    after.expirationDate !== before.expirationDate ||
    after.userAwareTokenNeverExpires !== before.userAwareTokenNeverExpires
  ) {
    const expiry = resolveExpiry({
      rule,
      created: new Date(pat.created),
      now: deps.clock.now(),
      expirationDate: after.expirationDate,
      userAwareTokenNeverExpires: after.userAwareTokenNeverExpires,
      policy: deps.policy,
      rules,
    });
    changes.expirationDate = expiry.expirationDate;
    changes.userAwareTokenNeverExpires = expiry.userAwareTokenNeverExpires;
  } else if (changes.scope) {
    checkRuleLimits({
      created: new Date(pat.created),
      expirationDate: pat.expirationDate,
      rules,
    });
  }
  return changes;
}
