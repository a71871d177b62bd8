import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    globalSetup: ['test/support/database-template.ts'],
    pool: 'forks',
    // Test files share each worker's loaded modules instead of importing the whole server again
    // (a third of the suite's time): every file opens its own database and app, and none mocks a
    // module or changes the environment of the process.
    isolate: false,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
