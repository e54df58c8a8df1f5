import { defineConfig } from 'vitest/config';

/**
 * Browser tests: each file starts a real Patina process (from packages/server/dist) and drives
 * Debian's chromium through playwright-core. They run one file at a time: a browser and a server
 * each are plenty for a small CI machine. The sign-in and token suite runs again against
 * `serve --workers 2` (docs/operations.md, "Workers").
 */
export default defineConfig({
  test: {
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 90_000,
    projects: [
      { extends: true, test: { name: 'console', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'console on 2 workers',
          include: ['test/tokens.test.ts'],
          env: { PATINA_TEST_WORKERS: '2' },
          setupFiles: ['../sdk/test/fresh-connections.ts'],
        },
      },
    ],
  },
});
