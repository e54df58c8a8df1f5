import { RIGHTS, type Right } from '@patina/contract';
import { forbidden, PatinaError } from '../core/errors.js';
import type { Actor, RequestContext } from './context.js';

/**
 * What a caller may do, and the rights that allow each. A manage right implies the read right
 * of the same reach, and an all- right the my- right (SailPoint's PAT rights). The first right
 * is the least that would do: a refusal names it, in the message and as the RFC 6750 §3.1
 * `insufficient_scope` challenge's `scope`.
 */
export const ABILITIES = {
  readAll: [RIGHTS.allRead, RIGHTS.allManage],
  manageAll: [RIGHTS.allManage],
  readOwn: [RIGHTS.myRead, RIGHTS.myManage, RIGHTS.allRead, RIGHTS.allManage],
  manageOwn: [RIGHTS.myManage, RIGHTS.allManage],
  seeManaged: [RIGHTS.managedRead],
  /** Shared Signals streams (docs/protecting-your-api.md): manage implies read. */
  readStreams: [RIGHTS.ssfRead, RIGHTS.ssfManage],
  manageStreams: [RIGHTS.ssfManage],
} as const satisfies Record<string, readonly [Right, ...Right[]]>;

export type Ability = keyof typeof ABILITIES;

/** Whether `actor` may do what `ability` covers; the system actor may do everything. */
export function may(actor: Actor, ability: Ability): boolean {
  if (actor.kind === 'system') return true;
  return ABILITIES[ability].some((right) => actor.rights.has(right));
}

/**
 * Refuses a delegated token (RFC 8693, docs/federation.md) what would make a credential that
 * outlives it: creating or rotating a PAT, creating or changing a trust policy.
 */
export function refuseDelegated(ctx: RequestContext, action: string): void {
  if (ctx.actor.kind === 'user' && ctx.actor.delegated === true) {
    throw new PatinaError(
      'FORBIDDEN',
      `${action} is not possible with a delegated token: it may only use what it was given`,
    );
  }
}

/**
 * The FORBIDDEN error for lacking `ability`: "`action` needs the right `right`", and a hint of
 * what the caller may do instead, when there is one.
 */
export function missingRight(ability: Ability, action: string, hint?: string): PatinaError {
  const right = ABILITIES[ability][0];
  return forbidden(`${action} needs the right ${right}${hint ? `; ${hint}` : ''}`, right);
}

/**
 * The one access check of services: returns when the caller may do what `ability` covers, and
 * throws FORBIDDEN otherwise. `action` is what was refused, as the message's subject
 * ("Listing signing keys").
 */
export function authorize(ctx: RequestContext, ability: Ability, action: string): void {
  if (!may(ctx.actor, ability)) throw missingRight(ability, action);
}
