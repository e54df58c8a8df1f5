/**
 * The API surfaces that serve the PAT resource, and the expiry rule each follows (SPEC §2):
 * - `defaulted` (v3, beta, v2024, v2025, as SailPoint's docs describe them): an absent or null
 *   expirationDate means created + maxLifetime;
 * - `explicit` (v2026 and the per-resource v1, SailPoint's later rule): expirationDate is
 *   required unless userAwareTokenNeverExpires is true.
 */
export const API_VERSIONS = ['v3', 'beta', 'v2024', 'v2025', 'v2026', 'v1'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

export type ExpiryRule = 'defaulted' | 'explicit';

export const EXPIRY_RULES: Record<ApiVersion, ExpiryRule> = {
  v3: 'defaulted',
  beta: 'defaulted',
  v2024: 'defaulted',
  v2025: 'defaulted',
  v2026: 'explicit',
  v1: 'explicit',
};
