import { defineConfig } from 'vitest/config';

/** The harness's own test: one smoke run of every scenario (the run takes about a minute). */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
  },
});
