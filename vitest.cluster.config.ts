import { defineConfig } from 'vitest/config';

// The cluster suite: rebound against real self-hosted Temporal servers on PostgreSQL (one plain,
// one with mutual TLS), started by test/cluster/global-setup.ts. Run: npm run test:cluster.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/global-setup.ts'],
    testTimeout: 120_000,
    // The first run on a machine builds the Temporal server from source: minutes on 2 cores.
    hookTimeout: 20 * 60_000,
    // Both servers and PostgreSQL share 2 cores with the tests: one test file at a time.
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
  },
});
