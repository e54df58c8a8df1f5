import { defineConfig } from 'vitest/config';

/** The suites that run a second time against a node of two workers (docs/operations.md, "Workers"). */
const ON_TWO_WORKERS = ['test/resources.test.ts', 'test/tokens.test.ts', 'test/lifecycle.test.ts'];

/**
 * The SDK's tests meet a real Patina server, started as a process (test/patina-server.ts) from
 * the server's build: the root `npm test` builds before it tests. The PAT API, token and
 * lifecycle suites run again against `serve --workers 2`, every request on a fresh connection so
 * that both workers answer.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'sdk', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'sdk on 2 workers',
          include: ON_TWO_WORKERS,
          env: { PATINA_TEST_WORKERS: '2' },
          setupFiles: ['test/fresh-connections.ts'],
        },
      },
    ],
  },
});
