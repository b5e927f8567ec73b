import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The cluster suite has its own server and config: `npm run test:cluster`.
    exclude: ['test/cluster/**', '**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // Every test talks to one real Temporal dev server; workers and jobs need real time.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: run test files two at a time, each with its own task queues.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
