import { defineConfig } from 'vitest/config';

const integration = {
  globalSetup: ['test/harness/global-setup.ts'],
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    projects: [
      // test/unit mirrors the code (src/, bench/, scripts/); test/repo checks the repository as a whole (docs, the test tree).
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/repo/**/*.test.ts'] } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], ...integration } },
      { test: { name: 'faults', include: ['test/faults/**/*.test.ts'], ...integration } },
    ],
  },
});
