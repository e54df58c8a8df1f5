/** How the issuer's claims name a Patina identity: the `sso.*` settings that say so. */
export interface ClaimMapping {
  identityClaims: readonly string[];
  groupsClaim: string;
  groupRoles: Readonly<Record<string, readonly string[]>>;
}

export interface SsoPerson {
  /** The login of the Patina identity this person is. */
  login: string;
  name: string;
  email: string | null;
  /** USER plus the roles of the person's groups, when groupRoles is set; else undefined. */
  roles: string[] | undefined;
}

/**
 * The person the claims describe, or undefined when none of the identity claims holds a usable
 * value. The first of `identityClaims` that is a non-empty string wins; an `email` the issuer
 * says is not verified is skipped, as anyone could have typed it (OpenID Connect Core §5.1).
 */
export function personFromClaims(
  claims: Record<string, unknown>,
  mapping: ClaimMapping,
): SsoPerson | undefined {
  let login: string | undefined;
  for (const claim of mapping.identityClaims) {
    const value = claims[claim];
    if (typeof value !== 'string' || value.trim() === '') continue;
    if (claim === 'email' && claims.email_verified === false) continue;
    login = value.trim();
    break;
  }
  if (login === undefined) return undefined;
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : login;
  const email =
    typeof claims.email === 'string' && claims.email_verified !== false ? claims.email : null;
  return { login, name, email, roles: rolesFromGroups(claims[mapping.groupsClaim], mapping) };
}

function rolesFromGroups(groups: unknown, mapping: ClaimMapping): string[] | undefined {
  if (Object.keys(mapping.groupRoles).length === 0) return undefined;
  const roles = new Set(['USER']);
  const list = Array.isArray(groups) ? groups : typeof groups === 'string' ? [groups] : [];
  for (const group of list) {
    if (typeof group !== 'string') continue;
    for (const role of mapping.groupRoles[group] ?? []) roles.add(role);
  }
  return [...roles].sort();
}
