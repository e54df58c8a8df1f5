import { defineConfig } from 'vitest/config';

/**
 * Here: the verifier's pure parts. Against a real Patina listening on 127.0.0.1, on SQLite and on
 * PostgreSQL, in packages/server/test/interop/verify-*.test.ts (the server's tests may import this
 * package; this package never imports the server); the headline test, two nodes on one
 * PostgreSQL database, is in packages/server/test/cluster/verify.test.ts.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
