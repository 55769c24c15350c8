import { defineConfig } from 'vitest/config';

// 20 s per test, as in the other packages: property tests and schema checks take
// well under a second, but several times that on a loaded 2-core CI machine.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
