import { defineConfig } from 'vitest/config';

// Console journeys in Chromium against a real server: one server per file, files one after another
// (each file starts its own server and browser; running them side by side would only fight for CPU).

export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/support/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
