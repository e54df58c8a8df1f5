/**
 * The rights Patina checks, in their canonical `sp:` spelling (SailPoint's PAT rights), and
 * Patina's own. `idn:x` is SailPoint's older spelling of `sp:x`; both are accepted.
 */
export const RIGHTS = {
  myRead: 'sp:my-personal-access-tokens:read',
  myManage: 'sp:my-personal-access-tokens:manage',
  allRead: 'sp:all-personal-access-tokens:read',
  allManage: 'sp:all-personal-access-tokens:manage',
  managedRead: 'sp:managed-personal-access-tokens:read',
  /** Patina's own: introspect any access token (RFC 7662), for resource servers. */
  introspect: 'patina:tokens:introspect',
  /** Patina's own: open and manage a Shared Signals stream (docs/protecting-your-api.md). */
  ssfManage: 'ssf.manage',
  /** Patina's own: read Shared Signals streams, their status, and poll their events. */
  ssfRead: 'ssf.read',
  /** Patina's own: call the SCIM 2.0 service at /scim/v2 (the directory's token, docs/scim.md). */
  scimProvision: 'patina:scim:provision',
} as const;
export type Right = (typeof RIGHTS)[keyof typeof RIGHTS];

export const BUILT_IN_RIGHTS: readonly Right[] = Object.values(RIGHTS);

/** A PAT naming this scope asks for every right its owner holds. */
export const ALL_SCOPES = 'sp:scopes:all';

/** ORG_ADMIN holds every catalogued right; USER the two my- rights. */
export const BUILT_IN_ROLES = ['ORG_ADMIN', 'USER'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

/** `idn:x` is SailPoint's older spelling of `sp:x`; both are accepted and mean the same. */
export function canonicalScope(scope: string): string {
  return scope.startsWith('idn:') ? `sp:${scope.slice(4)}` : scope;
}
