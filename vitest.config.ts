import { defineConfig } from 'vitest/config';

const shared = {
  pool: 'forks' as const,
  // Test files share a worker's module cache: importing the app once per worker instead of once per
  // file halves the run. Every test builds its own app and database, so no state is shared.
  isolate: false,
  maxWorkers: 2,
  minWorkers: 1,
  testTimeout: 20_000,
  hookTimeout: 20_000,
};

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
    ...shared,
    // The browser tests (Chromium, a web build) take both cores: they run after the others, not beside them,
    // so that neither slows the other past its time limits.
    projects: [
      { test: { ...shared, name: 'server', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'], sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'browser', include: ['test/e2e/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
