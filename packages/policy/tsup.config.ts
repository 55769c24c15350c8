import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library.js';

// errors and paths are separate light entry points for fast CLI start-up.
export default defineConfig(
  libraryBuild(['src/index.ts', 'src/errors.ts', 'src/paths.ts'], { splitting: true }),
);
