import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests type-check before they run (`npm run lint` runs tsc over test/ too); here they run
    // in parallel worker processes, each test file with its own temporary data directory.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
