import { defineConfig } from 'vitest/config';

/**
 * Patina installed the ways operators install it, outside the repository's own processes: the
 * container image built from the real Dockerfile and run with Docker, and the systemd unit
 * checked by systemd. One file at a time: an image build takes both cores for minutes.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 1_200_000,
  },
});
