import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The suites spawn many CLI and server processes; two files at a time on a 2-core machine.
    maxWorkers: 2,
  },
});
