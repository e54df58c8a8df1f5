import { defineConfig } from 'vitest/config';

/**
 * Browser tests: each file starts a real Patina process (from packages/server/dist) and drives
 * Debian's chromium through playwright-core. They run one file at a time: a browser and a server
 * each are plenty for a small CI machine.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
