import { defineConfig } from 'vitest/config';

/** The contract's tests are pure: no database, no network. test/dist.test.ts reads the build. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
  },
});
