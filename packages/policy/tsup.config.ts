import { defineConfig } from 'tsup';

export default defineConfig({
  // errors and paths are separate light entry points for fast CLI start-up.
  entry: ['src/index.ts', 'src/errors.ts', 'src/paths.ts'],
  splitting: true,
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  removeNodeProtocol: false,
  sourcemap: true,
});
