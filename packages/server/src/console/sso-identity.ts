import type { SsoLink } from '@patina/contract';
import { canonicalSsoLink } from '../identities/sso-link.js';

/** How the issuer's claims name a Patina identity: the `sso.*` settings that say so. */
export interface ClaimMapping {
  identityClaims: readonly string[];
  groupsClaim: string;
  groupRoles: Readonly<Record<string, readonly string[]>>;
}

export interface SsoPerson {
  /**
   * The person's account at the issuer: the ID token's (`iss`, `sub`), the only pair a relying
   * party may take as a stable identifier (OpenID Connect Core §5.7), and the only key an SSO
   * sign-in is matched on.
   */
  link: SsoLink;
  /**
   * The login a new identity made for this person would want: the first of `identityClaims`
   * that holds a usable value. A display name only; it never finds an existing identity.
   */
  login: string | undefined;
  name: string;
  /** The address, only when the issuer says it has verified it (`email_verified: true`). */
  email: string | null;
  /** USER plus the roles of the person's groups, when groupRoles is set; else undefined. */
  roles: string[] | undefined;
}

/**
 * The person the claims describe, or undefined when they carry no usable (`iss`, `sub`). An
 * `email` counts only when `email_verified` is exactly true: anyone can type an address into an
 * account at most providers, and one the provider has not checked says nothing about who holds
 * it (OpenID Connect Core §5.1, §5.7).
 */
export function personFromClaims(
  claims: Record<string, unknown>,
  mapping: ClaimMapping,
): SsoPerson | undefined {
  if (typeof claims.iss !== 'string' || typeof claims.sub !== 'string') return undefined;
  const checked = canonicalSsoLink(claims.iss, claims.sub);
  if (!('link' in checked)) return undefined;
  const email =
    typeof claims.email === 'string' && claims.email.trim() !== '' && claims.email_verified === true
      ? claims.email.trim()
      : null;
  let login: string | undefined;
  for (const claim of mapping.identityClaims) {
    const value = claim === 'email' ? email : claims[claim];
    if (typeof value !== 'string' || value.trim() === '') continue;
    login = value.trim();
    break;
  }
  const name =
    typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : (login ?? '');
  return {
    link: checked.link,
    login,
    name,
    email,
    roles: rolesFromGroups(claims[mapping.groupsClaim], mapping),
  };
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
