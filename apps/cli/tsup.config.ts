import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const shared = {
  platform: 'node',
  target: 'node20',
  removeNodeProtocol: false,
  sourcemap: false,
  minify: true,
  noExternal: [/.*/],
} as const;

// Two bundles: a small ESM entry (commander + the command table) that starts
// fast for `--help` and usage errors, and the command implementations as one
// CommonJS file that load-commands.ts runs with a V8 code cache.
export default defineConfig([
  {
    ...shared,
    entry: { sdetkit: 'src/sdetkit.ts', 'code-cache-tools': 'src/load-commands.ts' },
    format: ['esm'],
    clean: true,
    define: { __SDETKIT_VERSION__: JSON.stringify(version) },
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __sdetkitCreateRequire } from 'node:module';\nconst require = __sdetkitCreateRequire(import.meta.url);",
    },
  },
  {
    ...shared,
    entry: { commands: 'src/commands/index.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
  },
]);
