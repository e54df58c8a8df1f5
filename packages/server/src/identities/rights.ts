import { ALL_SCOPES, BUILT_IN_RIGHTS, canonicalScope, RIGHTS } from '@patina/contract';
import type { Config } from '../config/schema.js';

/**
 * The rights model of one deployment: the scope catalogue (built-in PAT rights plus the
 * operator's own scopes) and which rights each role gives.
 */
export class RightsModel {
  /** Canonical names of every catalogued scope. */
  readonly catalogue: ReadonlySet<string>;
  readonly #roles: ReadonlyMap<string, readonly string[]>;

  constructor(config: Pick<Config, 'scopes' | 'roles'>) {
    this.catalogue = new Set([
      ...BUILT_IN_RIGHTS,
      ...config.scopes.map((s) => canonicalScope(s.name)),
    ]);
    const roles = new Map<string, readonly string[]>();
    roles.set('ORG_ADMIN', [...this.catalogue]);
    roles.set('USER', [RIGHTS.myRead, RIGHTS.myManage]);
    for (const [role, rights] of Object.entries(config.roles)) {
      roles.set(role, rights.map(canonicalScope));
    }
    this.#roles = roles;
  }

  isKnownRole(role: string): boolean {
    return this.#roles.has(role);
  }

  get roleNames(): string[] {
    return [...this.#roles.keys()];
  }

  /** A PAT may name catalogued scopes (either spelling) and `sp:scopes:all`. */
  isGrantableScope(scope: string): boolean {
    return scope === ALL_SCOPES || this.catalogue.has(canonicalScope(scope));
  }

  /** Every right an identity holds now: from its roles and its direct grants. */
  rightsOf(identity: { roles: readonly string[]; rights: readonly string[] }): Set<string> {
    const held = new Set<string>();
    for (const role of identity.roles) {
      for (const right of this.#roles.get(role) ?? []) held.add(right);
    }
    for (const right of identity.rights) held.add(canonicalScope(right));
    return held;
  }

  /**
   * Granted = the PAT's scopes (sp:scopes:all expanded) ∩ the owner's rights now (docs/rules.md,
   * "Granted scopes").
   * The result is canonical and sorted, so the same grant always reads the same.
   */
  grantable(patScopes: readonly string[], ownerRights: ReadonlySet<string>): string[] {
    if (patScopes.includes(ALL_SCOPES)) return [...ownerRights].sort();
    const granted = new Set<string>();
    for (const scope of patScopes) {
      const canonical = canonicalScope(scope);
      if (ownerRights.has(canonical)) granted.add(canonical);
    }
    return [...granted].sort();
  }
}
