import { RIGHTS, type Right } from '@patina/contract';
import type { AuditContext } from '../audit/model.js';

/** The caller of the PAT and admin APIs, as established by bearer authentication. */
export interface Principal {
  identityId: string;
  identityName: string;
  login: string;
  /** The PAT whose access token authenticated this call. */
  patId: string;
  /** The token's scopes ∩ the identity's rights now, canonical spelling. */
  rights: ReadonlySet<string>;
}

export function hasAny(principal: Principal, ...rights: Right[]): boolean {
  return rights.some((right) => principal.rights.has(right));
}

export const canReadAll = (p: Principal) => hasAny(p, RIGHTS.allRead, RIGHTS.allManage);
export const canManageAll = (p: Principal) => hasAny(p, RIGHTS.allManage);
export const canReadOwn = (p: Principal) =>
  hasAny(p, RIGHTS.myRead, RIGHTS.myManage, RIGHTS.allRead, RIGHTS.allManage);
export const canManageOwn = (p: Principal) => hasAny(p, RIGHTS.myManage, RIGHTS.allManage);
export const canSeeManaged = (p: Principal) => hasAny(p, RIGHTS.managedRead);

/** What an audit event says of a request: built by the HTTP layer, carried through services. */
export interface RequestContext {
  principal: Principal | null;
  audit: AuditContext;
}
