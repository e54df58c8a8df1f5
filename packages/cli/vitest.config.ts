import { defineConfig } from 'vitest/config';

/**
 * The CLI's tests run the built `patina` (bin/patina.js → dist/) as a subprocess against a real
 * Patina server process: the root `npm test` builds before it tests.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
