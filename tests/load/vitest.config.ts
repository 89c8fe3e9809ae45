import { defineConfig } from 'vitest/config';

// The load test alone (npm run test:load): one file, nothing else on the cores while latencies are measured.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['tests/load/**/*.test.ts'],
    pool: 'forks',
    hookTimeout: 60_000,
  },
});
