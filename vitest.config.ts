import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    // tests that run the built CLI read dist/, which `npm test` builds first
    pool: 'forks',
  },
});
