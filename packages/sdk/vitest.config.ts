import { defineConfig } from 'vitest/config';

/**
 * The SDK's tests meet a real Patina server, started as a process (test/patina-server.ts) from
 * the server's build: the root `npm test` builds before it tests.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
