/**
 * The API surfaces that serve the PAT resource, in one table: where each is mounted and which
 * expiry rule it follows (docs/rules.md, "Expiry"):
 * - `defaulted` (v3, beta, v2024, v2025, as SailPoint's docs describe them): an absent or null
 *   expirationDate means created + the policy's longest lifetime;
 * - `explicit` (v2026 and the per-resource v1, SailPoint's later rule): expirationDate is
 *   required unless userAwareTokenNeverExpires is true.
 * Every surface takes the same JSON Patch paths (PAT_PATCHABLE_FIELDS).
 */
export const PAT_SURFACES = [
  { version: 'v3', path: '/v3/personal-access-tokens', expiryRule: 'defaulted' },
  { version: 'beta', path: '/beta/personal-access-tokens', expiryRule: 'defaulted' },
  { version: 'v2024', path: '/v2024/personal-access-tokens', expiryRule: 'defaulted' },
  { version: 'v2025', path: '/v2025/personal-access-tokens', expiryRule: 'defaulted' },
  { version: 'v2026', path: '/v2026/personal-access-tokens', expiryRule: 'explicit' },
  { version: 'v1', path: '/personal-access-tokens/v1', expiryRule: 'explicit' },
] as const;

export type PatSurface = (typeof PAT_SURFACES)[number];
export type ApiVersion = PatSurface['version'];
export type ExpiryRule = PatSurface['expiryRule'];

export const API_VERSIONS: readonly ApiVersion[] = PAT_SURFACES.map((s) => s.version);

export function surfaceOf(version: ApiVersion): PatSurface {
  return PAT_SURFACES.find((s) => s.version === version)!;
}

/** The members of a PAT a JSON Patch may touch (SailPoint's PATCH rules); the rest is read-only. */
export const PAT_PATCHABLE_FIELDS = [
  'name',
  'scope',
  'expirationDate',
  'userAwareTokenNeverExpires',
] as const;
export type PatPatchableField = (typeof PAT_PATCHABLE_FIELDS)[number];

/** Patina's own administration API. */
export const ADMIN_BASE = '/patina/v1';
