import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    // tests that run the built CLI read dist/, which `npm test` builds first
    pool: 'forks',
    // fast-check's seed: fixed under CI, random elsewhere (FC_SEED replays one)
    setupFiles: ['test/support/fast-check-seed.ts'],
    // a private PostgreSQL server for the PostgreSQL store's tests (test/support/postgres.ts)
    globalSetup: ['test/support/global-setup.ts'],
  },
});
