import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Three projects: unit first and alone, then integration and e2e together.
 * - unit: no emulator and no servers; `npm run test:unit` is the fast loop.
 * - integration: the real SDK clients against moto. Each worker gets its own moto server (the
 *   emulator is single-threaded Python, so one shared server serialized every file), and files run
 *   in parallel.
 * - e2e: the sandbox in a headless browser (its own moto), beside the integration files: one file,
 *   and the two cores are otherwise left waiting on the emulators.
 */
const INTEGRATION_WORKERS = Math.min(6, availableParallelism() + 1);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Handlers read their configuration at import; each file gets a fresh module graph.
    isolate: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Pure code: files share their worker's imports (aws-cdk-lib alone is seconds per file).
          isolate: false,
          maxWorkers: Math.max(2, availableParallelism()),
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Files share their worker's imports of node_modules (the SDK, Bolt: about 1.5 s of CPU
          // per file when each file loads them afresh); the harness still loads the handlers and
          // the bot's own modules anew for each file (vi.resetModules), which is all the
          // per-file configuration needs.
          isolate: false,
          globalSetup: ['test/support/global-setup.ts'],
          maxWorkers: INTEGRATION_WORKERS,
          provide: { emulatorCount: INTEGRATION_WORKERS },
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], maxWorkers: INTEGRATION_WORKERS, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
