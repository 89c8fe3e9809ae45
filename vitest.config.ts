import { defineConfig } from 'vitest/config';

// One runner for the whole repository. Native modules (better-sqlite3, serialport) are safest in forks.
export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'sync-server/**/*.test.ts', 'renderer/**/*.test.ts', 'tests/**/*.test.ts'],
    // tests/load runs alone after the rest (npm run test:load): its latencies need the cores to itself.
    exclude: ['node_modules/**', 'dist/**', 'tests/e2e/**', 'tests/load/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
