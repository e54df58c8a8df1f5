import { defineConfig } from 'vitest/config';

/**
 * The CLI's tests run the built `patina` (bin/patina.js → dist/) as a subprocess against a real
 * Patina server process: the root `npm test` builds before it tests. The lifecycle suite runs
 * again against `serve --workers 2` (docs/operations.md, "Workers"): each `patina` command is a
 * process of its own with connections of its own, handed to the workers in turn.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'cli', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'cli on 2 workers',
          include: ['test/lifecycle.test.ts'],
          env: { PATINA_TEST_WORKERS: '2' },
          setupFiles: ['../sdk/test/fresh-connections.ts'],
        },
      },
    ],
  },
});
