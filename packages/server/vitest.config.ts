import { defineConfig, type ViteUserConfig } from 'vitest/config';
import { DIALECTS, probePostgres } from './test/postgres/probe.js';

/**
 * Tests that touch storage or HTTP run once per database, in one loop over DIALECTS, so the two
 * can never drift: each dialect is a Vitest project over the same files, told its dialect by
 * PATINA_TEST_DIALECT. Pure unit tests (no database) run once.
 *
 * PostgreSQL tests need a server: PATINA_TEST_DATABASE_URL, or the local one at 127.0.0.1:5432.
 * Without one they are left out with a visible warning, unless PATINA_TEST_DATABASE_URL or CI is
 * set, in which case the run fails instead (CI must never skip them).
 */
const STORAGE_AND_HTTP = [
  'test/storage/**/*.test.ts',
  'test/http/**/*.test.ts',
  'test/oauth/**/*.test.ts',
  'test/interop/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/unit/signing-keys.test.ts',
];

export default defineConfig(async (): Promise<ViteUserConfig> => {
  const postgres = await probePostgres();
  return {
    test: {
      // Tests type-check before they run (`npm run lint` runs tsc over test/ too); here they
      // run in parallel worker processes.
      pool: 'forks',
      testTimeout: 30_000,
      hookTimeout: 60_000,
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            include: ['test/**/*.test.ts'],
            exclude: [...STORAGE_AND_HTTP, 'test/cluster/**'],
          },
        },
        ...DIALECTS.filter((dialect) => dialect === 'sqlite' || postgres.available).map(
          (dialect) => ({
            extends: true as const,
            test: {
              name: dialect,
              include: STORAGE_AND_HTTP,
              env: { PATINA_TEST_DIALECT: dialect },
              ...(dialect === 'postgres' && { globalSetup: ['test/postgres/global-setup.ts'] }),
            },
          }),
        ),
        // Several real nodes on one PostgreSQL database (and Redis): PostgreSQL only.
        ...(postgres.available
          ? [
              {
                extends: true as const,
                test: {
                  name: 'cluster',
                  include: ['test/cluster/**/*.test.ts'],
                  env: { PATINA_TEST_DIALECT: 'postgres' },
                  globalSetup: ['test/postgres/global-setup.ts'],
                },
              },
            ]
          : []),
      ],
    },
  };
});
