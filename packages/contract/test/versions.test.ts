import { describe, expect, it } from 'vitest';
import { API_VERSIONS, PAT_PATCHABLE_FIELDS, PAT_SURFACES, surfaceOf } from '../src/index.js';

describe('PAT_SURFACES', () => {
  it('serves the PAT resource under SailPoint’s six surfaces, in order', () => {
    expect(PAT_SURFACES.map((surface) => [surface.version, surface.path])).toEqual([
      ['v3', '/v3/personal-access-tokens'],
      ['beta', '/beta/personal-access-tokens'],
      ['v2024', '/v2024/personal-access-tokens'],
      ['v2025', '/v2025/personal-access-tokens'],
      ['v2026', '/v2026/personal-access-tokens'],
      ['v1', '/personal-access-tokens/v1'],
    ]);
  });

  it('gives v3, beta, v2024 and v2025 the defaulted expiry, v2026 and v1 the explicit one', () => {
    const byRule = (rule: string) =>
      PAT_SURFACES.filter((surface) => surface.expiryRule === rule).map((s) => s.version);
    expect(byRule('defaulted')).toEqual(['v3', 'beta', 'v2024', 'v2025']);
    expect(byRule('explicit')).toEqual(['v2026', 'v1']);
  });

  it('has one surface per version and per path', () => {
    expect(new Set(API_VERSIONS).size).toBe(PAT_SURFACES.length);
    expect(new Set(PAT_SURFACES.map((surface) => surface.path)).size).toBe(PAT_SURFACES.length);
  });

  it('lists the versions in API_VERSIONS and finds each with surfaceOf', () => {
    expect(API_VERSIONS).toEqual(PAT_SURFACES.map((surface) => surface.version));
    for (const surface of PAT_SURFACES) expect(surfaceOf(surface.version)).toBe(surface);
  });

  it('lets JSON Patch touch the name, scope and expiry fields only', () => {
    expect([...PAT_PATCHABLE_FIELDS]).toEqual([
      'name',
      'scope',
      'expirationDate',
      'userAwareTokenNeverExpires',
    ]);
  });
});
