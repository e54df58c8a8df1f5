import { defineConfig } from 'vitest/config';

/**
 * The verifier's tests meet a real Patina server, started as a process from the server's build
 * (the root `npm test` builds before it tests); the headline test, two nodes on one PostgreSQL
 * database, is in packages/server/test/cluster/verify.test.ts.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
