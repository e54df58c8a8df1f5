import type { TrustConditions } from '../storage/trust-policies-repository.js';

/**
 * A trust policy's conditions on the claims of an incoming token (docs/federation.md,
 * "Conditions"). A value is exact, or a glob where `*` is any run of characters (`/` and `:`
 * included) and `?` one character; a list holds alternatives of which one must match. Every
 * condition must hold.
 */

/** Claims that name one repository, project or workload: a policy must pin one of them. */
export const ANCHOR_CLAIMS = [
  'sub',
  'repository',
  'repository_id',
  'project_path',
  'project_id',
  'job_workflow_ref',
  'namespace_path',
] as const;

/** The platform prefixes of `sub` that say nothing on their own (`repo:*` is every repository). */
const SUB_PREFIXES = ['repo:', 'project_path:', 'system:serviceaccount:'];

/**
 * The claim at `path`: a member of that exact name, else a dotted path into objects whose member
 * names may hold dots themselves (`kubernetes.io.namespace` is `namespace` in `kubernetes.io`).
 */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
    const head = path.slice(0, dot);
    const inner = Object.hasOwn(claims, head) ? claims[head] : undefined;
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
      const found = claimAt(inner as Record<string, unknown>, path.slice(dot + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const globs = new Map<string, RegExp>();

/** Whether `value` matches the exact value or glob `pattern`. */
export function globMatches(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  let regex = globs.get(pattern);
  if (!regex) {
    const body = pattern
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${body}$`, 's');
    if (globs.size > 10_000) globs.clear();
    globs.set(pattern, regex);
  }
  return regex.test(value);
}

/**
 * The first condition the claims fail, as `claim` names it, or undefined when all hold. A claim
 * that is absent, an object or an array of non-text fails; a number or a boolean is compared as
 * its text (GitHub's `repository_id` is a string, Kubernetes' `exp` a number).
 */
export function failedCondition(
  conditions: TrustConditions,
  claims: Record<string, unknown>,
): string | undefined {
  for (const [claim, expected] of Object.entries(conditions)) {
    const actual = claimAt(claims, claim);
    if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean') {
      return claim;
    }
    const text = String(actual);
    const alternatives = Array.isArray(expected) ? expected : [expected];
    if (!alternatives.some((pattern) => globMatches(pattern, text))) return claim;
  }
  return undefined;
}

/**
 * Whether the conditions pin one workload: some anchor claim has a condition whose every
 * alternative has literal text before its first wildcard (for `sub`, after the platform prefix).
 * A policy that trusts every job of a public CI issuer is the classic mistake this refuses.
 */
export function pinsAWorkload(conditions: TrustConditions): boolean {
  return ANCHOR_CLAIMS.some((claim) => {
    const expected = conditions[claim];
    if (expected === undefined) return false;
    const alternatives = Array.isArray(expected) ? expected : [expected];
    return alternatives.every((pattern) => {
      let literal = pattern.split(/[*?]/, 1)[0] ?? '';
      if (claim === 'sub') {
        const prefix = SUB_PREFIXES.find((p) => literal.startsWith(p));
        if (prefix) literal = literal.slice(prefix.length);
      }
      return literal.length > 0;
    });
  });
}
