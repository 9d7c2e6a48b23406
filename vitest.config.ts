import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts one moto server for the run (installing it into .venv the first time).
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Handlers read their configuration at import; each file gets a fresh module graph.
    isolate: true,
  },
});
