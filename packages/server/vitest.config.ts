import { defineConfig, type ViteUserConfig } from 'vitest/config';
import { DIALECTS, probePostgres } from './test/postgres/probe.js';

/**
 * Where a test lives says how it runs:
 * - `test/unit/`: pure tests, no database, network, process or app. They run once (`unit`).
 * - `test/cluster/`: several real nodes on one PostgreSQL database (and Redis): `cluster` only.
 * - every other folder (storage, tokens, auth, oauth, http, interop, e2e, ...): tests that touch
 *   storage, Redis or the app. They run once per database, in one loop over DIALECTS, so the two
 *   can never drift: each dialect is a Vitest project over the same files, told its dialect by
 *   PATINA_TEST_DIALECT. A new folder runs on both databases without being listed here.
 *
 * PostgreSQL tests need a server: PATINA_TEST_DATABASE_URL, or the local one at 127.0.0.1:5432.
 * Without one they are left out with a visible warning, unless PATINA_TEST_DATABASE_URL or CI is
 * set, in which case the run fails instead (CI must never skip them).
 */
const UNIT = ['test/unit/**/*.test.ts'];
const CLUSTER = ['test/cluster/**/*.test.ts'];
const ON_EACH_DATABASE = { include: ['test/**/*.test.ts'], exclude: [...UNIT, ...CLUSTER] };

export default defineConfig(async (): Promise<ViteUserConfig> => {
  const postgres = await probePostgres();
  return {
    test: {
      // Tests type-check before they run (`npm run lint` runs tsc over test/ too); here they
      // run in parallel worker processes.
      pool: 'forks',
      // A worker keeps its modules from one test file to the next instead of importing the
      // server afresh for each (about 3 s a file, which over the ~400 file runs of the suite was
      // more time than the tests themselves). Tests share no state through modules: each makes
      // its own app, storage and clock, and restores what it stubs when it finishes.
      isolate: false,
      testTimeout: 30_000,
      hookTimeout: 60_000,
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            include: UNIT,
          },
        },
        ...DIALECTS.filter((dialect) => dialect === 'sqlite' || postgres.available).map(
          (dialect) => ({
            extends: true as const,
            test: {
              name: dialect,
              ...ON_EACH_DATABASE,
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
                  include: CLUSTER,
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
