import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Every test talks to one real Temporal dev server; workers and jobs need real time.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: run test files two at a time, each with its own task queues.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
